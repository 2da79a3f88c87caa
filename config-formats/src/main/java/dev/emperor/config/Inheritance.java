package dev.emperor.config;

import dev.emperor.config.ConfigLoader.LoadedConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a vassal gets from the emperor: only what the emperor's settings name explicitly,
 * {@code vassals-include = FILE} (every option of that file) and {@code vassal-set = KEY=VALUE}.
 * Nothing else crosses over: a {@code lazy-apps} in the emperor's own settings reaches no vassal.
 *
 * <p>Precedence: these are defaults. The effective options are the included files' options
 * (in the order the emperor lists them), then the {@code vassal-set} values, then the vassal's
 * own options; single-valued settings take the last value written, so the vassal's own file
 * always wins, and repeatable ones (env, touch-reload) accumulate in that order. uWSGI does
 * the opposite with {@code vassals-include} (its #517: the template overrides the vassal's own
 * uid); only its {@code vassals-include-before} behaves like this.
 */
public final class Inheritance {

    private Inheritance() {
    }

    /**
     * The vassal's effective configuration. Included files are read with {@code loader}, from
     * the section the vassal itself uses; a relative include is relative to the folder of the
     * file that names it (or the current directory for the command line and environment).
     */
    public static LoadedConfig apply(OptionModel emperor, LoadedConfig vassal, ConfigLoader loader) throws ConfigException {
        List<OptionValue> values = new ArrayList<>();
        List<ConfigError> errors = new ArrayList<>();
        java.util.Set<String> placeholders = new java.util.HashSet<>(vassal.placeholders());
        for (OptionValue include : emperor.all("vassals-include")) {
            Path file = base(include).resolve(include.value().strip());
            try {
                LoadedConfig included = loader.load(file, List.of(vassal.section()));
                values.addAll(included.options().values());
                placeholders.addAll(included.placeholders());
            } catch (ConfigException e) {
                for (ConfigError err : e.errors()) {
                    errors.add(new ConfigError(err.origin(), err.message() + " (vassals-include at " + include.origin() + ")"));
                }
            }
        }
        for (OptionValue set : emperor.all("vassal-set")) {
            int eq = set.value().indexOf('=');
            if (eq <= 0) {
                errors.add(new ConfigError(set.origin(), "vassal-set: expected KEY=VALUE, found '" + set.value() + "'"));
                continue;
            }
            values.add(new OptionValue(set.value().substring(0, eq).strip(), set.value().substring(eq + 1), set.origin()));
        }
        if (!errors.isEmpty()) throw new ConfigException(errors);
        if (values.isEmpty()) return vassal;
        values.addAll(vassal.options().values());
        return new LoadedConfig(vassal.file(), vassal.format(), vassal.section(), new OptionModel(values), placeholders);
    }

    private static Path base(OptionValue v) {
        Path origin = v.origin().file();
        Path parent = v.origin().line() > 0 || origin.isAbsolute() ? origin.toAbsolutePath().getParent() : null;
        return parent != null && !OptionSources.isSource(origin) ? parent : Path.of("").toAbsolutePath();
    }
}
