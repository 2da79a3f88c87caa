package dev.emperor.config.schema;

import dev.emperor.config.ConfigError;
import dev.emperor.config.ConfigLoader.LoadedConfig;
import dev.emperor.config.OptionValue;
import dev.emperor.config.Origin;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@code emperor config check}: every problem of a loaded file, each with its file and line.
 * A {@code [vassal]} file may hold vassal options only and must say which command it runs; a
 * {@code [uwsgi]} file belongs to uwsgi, whose ~1000 options we do not list, so there only
 * the values of our own vassal options are checked. The emperor's file may hold emperor
 * options; a vassal option there is the classic mistake (uWSGI's {@code lazy-apps} in the
 * emperor's ini): it is not inherited, and the message says how to pass it on.
 */
public final class ConfigChecker {

    private final Schema schema;

    public ConfigChecker(Schema schema) {
        this.schema = schema;
    }

    public ConfigChecker() {
        this(Schema.standard());
    }

    /** Problems of a vassal file, in file order; empty when it is fine. */
    public List<ConfigError> checkVassal(LoadedConfig config) {
        boolean uwsgi = "uwsgi".equals(config.section());
        List<ConfigError> errors = new ArrayList<>();
        boolean hasCommand = false;
        for (OptionValue v : config.options().values()) {
            String key = v.key();
            if (key.equals("command")) hasCommand = true;
            if (Schema.FILE_LOGIC.contains(key)) continue;
            Optional<String> badName = badName(key);
            if (badName.isPresent()) {
                errors.add(new ConfigError(v.origin(), badName.get()));
                continue;
            }
            Optional<OptionSpec> spec = schema.find(key);
            if (spec.isPresent() && spec.get().scope().vassal()) {
                typeCheck(spec.get(), v, errors);
                continue;
            }
            if (uwsgi) continue; // uwsgi's own option (or a placeholder): not ours to judge
            if (spec.isEmpty() && config.placeholders().contains(key)) continue; // defines a %(key) placeholder
            if (spec.isPresent()) {
                errors.add(new ConfigError(v.origin(), "'" + key + "' is an emperor option and does nothing in a vassal "
                        + "file; set it in the emperor's configuration (emperor run --" + spec.get().name() + ", or its settings file)"));
            } else {
                errors.add(new ConfigError(v.origin(), "unknown option '" + key + "'" + didYouMean(key, Scope.VASSAL)));
            }
        }
        if (!uwsgi && !hasCommand) {
            errors.add(new ConfigError(new Origin(config.file(), 1), "missing 'command': say which program this vassal runs"
                    + " (only a [uwsgi] file may leave it out: it then runs under uwsgi)"));
        }
        errors.sort(Comparator.comparingInt(e -> e.origin().line()));
        return errors;
    }

    /** Problems of the emperor's own settings file; empty when it is fine. */
    public List<ConfigError> checkEmperor(LoadedConfig config) {
        boolean uwsgi = "uwsgi".equals(config.section());
        List<ConfigError> errors = new ArrayList<>();
        for (OptionValue v : config.options().values()) {
            String key = v.key();
            if (Schema.FILE_LOGIC.contains(key)) continue;
            Optional<String> badName = badName(key);
            if (badName.isPresent()) {
                errors.add(new ConfigError(v.origin(), badName.get()));
                continue;
            }
            Optional<OptionSpec> spec = schema.find(key);
            if (spec.isPresent() && spec.get().scope().emperor()) {
                typeCheck(spec.get(), v, errors);
                if (spec.get().name().equals("vassal-set")) vassalSet(v, errors);
                continue;
            }
            if (spec.isPresent()) {
                errors.add(new ConfigError(v.origin(), notInherited(v)));
            } else if (!uwsgi && !config.placeholders().contains(key)) {
                errors.add(new ConfigError(v.origin(), "unknown option '" + key + "'" + didYouMean(key, Scope.EMPEROR)));
            }
        }
        errors.sort(Comparator.comparingInt(e -> e.origin().line()));
        return errors;
    }

    /** The seed's trap, said plainly: where the emperor is configured, a vassal option reaches no vassal. */
    static String notInherited(OptionValue v) {
        String value = v.value().isEmpty() ? "true" : v.value();
        return "'" + v.key() + "' is a vassal option: set here it is NOT inherited by the vassals (the emperor ignores it). "
                + "Put it in each vassal's own file, or give it to every vassal with 'vassal-set = " + v.key() + "="
                + value + "' or 'vassals-include = FILE'";
    }

    private void vassalSet(OptionValue v, List<ConfigError> errors) {
        int eq = v.value().indexOf('=');
        if (eq <= 0) {
            errors.add(new ConfigError(v.origin(), "vassal-set: expected KEY=VALUE, found '" + v.value() + "'"));
            return;
        }
        String key = v.value().substring(0, eq).strip();
        Optional<OptionSpec> spec = schema.find(key);
        if (spec.isPresent() && !spec.get().scope().vassal()) {
            errors.add(new ConfigError(v.origin(), "vassal-set: '" + key + "' is an emperor option, not a vassal one"));
        } else if (spec.isPresent()) {
            spec.get().type().problem(v.value().substring(eq + 1)).ifPresent(p ->
                    errors.add(new ConfigError(v.origin(), "vassal-set: " + key + ": " + p + ", found '"
                            + v.value().substring(eq + 1) + "'")));
        }
    }

    private static void typeCheck(OptionSpec spec, OptionValue v, List<ConfigError> errors) {
        spec.type().problem(v.value()).ifPresent(p ->
                errors.add(new ConfigError(v.origin(), v.key() + ": " + p + ", found '" + shorten(v.value()) + "'")));
        if (spec.name().equals("env")) {
            int eq = v.value().indexOf('=');
            if (eq <= 0 || !v.value().substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
                errors.add(new ConfigError(v.origin(), "env: expected KEY=VALUE, found '" + shorten(v.value()) + "'"));
            }
        }
    }

    /** Names that cannot be an option at all: what a stray line in an ini file becomes. */
    private static Optional<String> badName(String key) {
        if (key.isEmpty()) return Optional.of("option name missing before '='");
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                return Optional.of("'" + shorten(key) + "' is not an option (expected 'key = value')");
            }
        }
        return Optional.empty();
    }

    private String didYouMean(String key, Scope scope) {
        return schema.suggestion(key, scope);
    }

    private static String shorten(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
