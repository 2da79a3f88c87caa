package dev.emperor.config;

import java.util.Objects;

/** One problem in a configuration file, with the place it was found. */
public record ConfigError(Origin origin, String message) {

    public ConfigError {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(message, "message");
    }

    /** {@code FILE:LINE: message}, the form compilers use. */
    @Override
    public String toString() {
        return origin + ": " + message;
    }
}
