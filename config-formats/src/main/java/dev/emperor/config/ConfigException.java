package dev.emperor.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A file (or a set of options) that cannot be used. Carries every problem found, each
 * with its file and line; the message is the first of them, or all of them one per line.
 */
public final class ConfigException extends Exception {

    private final List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")), null, false, false);
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    public ConfigException(Origin origin, String message) {
        this(List.of(new ConfigError(origin, message)));
    }

    public List<ConfigError> errors() {
        return errors;
    }
}
