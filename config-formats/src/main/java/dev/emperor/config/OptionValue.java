package dev.emperor.config;

import java.util.Objects;

/** One {@code key = value} occurrence, remembering where it was written. */
public record OptionValue(String key, String value, Origin origin) {

    public OptionValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(origin, "origin");
    }

    /** Same key and place, new value (after expansion). */
    public OptionValue withValue(String newValue) {
        return new OptionValue(key, newValue, origin);
    }
}
