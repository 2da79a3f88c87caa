package dev.emperor.monitor;

import dev.emperor.config.ConfigFormat;
import java.nio.file.Path;
import java.util.Optional;

/** Which files in a watched directory are vassals, and their names. */
public final class FileRules {

    private FileRules() {
    }

    /**
     * The vassal name for {@code file}, or empty when the file is not a vassal: hidden files,
     * editor leftovers ({@code ~}, {@code .swp}, {@code .tmp}) and unknown extensions.
     */
    public static Optional<String> vassalName(Path file) {
        String fileName = file.getFileName().toString();
        if (fileName.startsWith(".") || fileName.endsWith("~") || fileName.endsWith(".swp")
                || fileName.endsWith(".tmp") || fileName.length() > 255) {
            return Optional.empty();
        }
        if (ConfigFormat.of(file).isEmpty()) {
            return Optional.empty();
        }
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? Optional.of(fileName.substring(0, dot)) : Optional.empty();
    }
}
