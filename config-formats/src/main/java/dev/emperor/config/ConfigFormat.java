package dev.emperor.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** The file formats a vassal or emperor file may be written in, chosen by extension. */
public enum ConfigFormat {
    INI("ini"),
    YAML("yaml"),
    JSON("json"),
    XML("xml");

    private final String displayName;

    ConfigFormat(String displayName) {
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }

    /** The format for a file name, or empty when the extension is not one of ours. */
    public static Optional<ConfigFormat> of(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".ini")) return Optional.of(INI);
        if (name.endsWith(".yaml") || name.endsWith(".yml")) return Optional.of(YAML);
        if (name.endsWith(".json") || name.endsWith(".js")) return Optional.of(JSON);
        if (name.endsWith(".xml")) return Optional.of(XML);
        return Optional.empty();
    }
}
