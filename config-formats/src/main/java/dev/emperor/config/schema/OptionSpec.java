package dev.emperor.config.schema;

import java.util.Objects;

/**
 * One known option, declared once: everything that reads, checks, lists or documents options
 * asks the {@link Schema} for these.
 *
 * @param name         kebab-case, as written in files
 * @param type         what its value must look like
 * @param scope        where it belongs
 * @param defaultValue the value when it is not set ("" when there is none)
 * @param uwsgi        uWSGI's name for the same setting ("" when uWSGI has none); when it differs
 *                     from {@code name} it is accepted as an alias, so uWSGI files keep working
 * @param help         one line for people
 */
public record OptionSpec(String name, OptionType type, Scope scope, String defaultValue, String uwsgi, String help) {

    public OptionSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(uwsgi, "uwsgi");
        Objects.requireNonNull(help, "help");
        if (!defaultValue.isEmpty() && !defaultValue.startsWith("$") && type.problem(defaultValue).isPresent()) {
            throw new IllegalArgumentException(name + ": default '" + defaultValue + "' is not a " + type.displayName());
        }
    }

    /** A repeatable option: each occurrence adds a value instead of replacing the last. */
    public boolean repeatable() {
        return type == OptionType.LIST;
    }

    /** uWSGI's name when it is another one than ours: an alias files may use. */
    public boolean hasAlias() {
        return !uwsgi.isEmpty() && !uwsgi.equals(name);
    }
}
