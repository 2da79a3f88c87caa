package dev.emperor.config.schema;

import java.util.Objects;

/**
 * One known option.
 *
 * @param name         kebab-case, as written in files
 * @param type         what its value must look like
 * @param scope        where it belongs
 * @param defaultValue the value when it is not set ("" when there is none)
 * @param help         one line for people
 */
public record OptionSpec(String name, OptionType type, Scope scope, String defaultValue, String help) {

    public OptionSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(help, "help");
    }

    /** A repeatable option: each occurrence adds a value instead of replacing the last. */
    public boolean repeatable() {
        return type == OptionType.LIST;
    }
}
