package dev.emperor.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a value came from: a file and a 1-based line (0 when the format or source has no
 * lines, such as the command line). Printed as {@code file:line} so that editors and
 * terminals can jump to it.
 */
public record Origin(Path file, int line) {

    public Origin {
        Objects.requireNonNull(file, "file");
        if (line < 0) {
            throw new IllegalArgumentException("line must be >= 0, got " + line);
        }
    }

    public static Origin of(Path file) {
        return new Origin(file, 0);
    }

    @Override
    public String toString() {
        return line > 0 ? file + ":" + line : file.toString();
    }
}
