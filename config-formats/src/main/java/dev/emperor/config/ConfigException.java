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

    /** An error with a summary that quotes nothing from the file (see {@link ConfigError#publicText()}). */
    public ConfigException(Origin origin, String message, String summary) {
        this(List.of(new ConfigError(origin, message, summary)));
    }

    public List<ConfigError> errors() {
        return errors;
    }

    /** Every error's {@link ConfigError#publicText()}, joined by "; ": what /stats may show. */
    public String publicText() {
        return errors.stream().map(ConfigError::publicText).collect(Collectors.joining("; "));
    }
}
