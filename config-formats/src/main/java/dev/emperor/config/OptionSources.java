package dev.emperor.config;

import dev.emperor.config.schema.OptionSpec;
import dev.emperor.config.schema.OptionType;
import dev.emperor.config.schema.Schema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The emperor's settings from the environment and the command line, as option models whose
 * origins name the source: {@code env:EMPEROR_THROTTLE}, {@code argv:3} (the third argument).
 */
public final class OptionSources {

    /** Variables the emperor sets for its vassals' processes: never settings of the emperor. */
    private static final Set<String> VASSAL_CONTRACT = Set.of("EMPEROR_SOCKET", "EMPEROR_VASSAL", "EMPEROR_WORKER",
            "EMPEROR_TOKEN");

    private OptionSources() {
    }

    /**
     * {@code EMPEROR_<OPTION>} variables for the emperor's own options ({@code EMPEROR_THROTTLE=500},
     * {@code EMPEROR_MAX_THROTTLE}: the option upper-cased, '-' as '_'), sorted by name.
     * Variables that name no emperor option are not settings and are left alone.
     */
    public static OptionModel fromEnvironment(Map<String, String> env) {
        List<OptionValue> values = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("EMPEROR_") || VASSAL_CONTRACT.contains(name)) continue;
            String key = name.substring("EMPEROR_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
            Optional<OptionSpec> spec = Schema.standard().find(key);
            if (spec.isEmpty() || !spec.get().scope().emperor()) continue;
            values.add(new OptionValue(key, e.getValue(), Origin.of(Path.of("env:" + name))));
        }
        return new OptionModel(values);
    }

    /** Options and the other arguments (the emperor's DIR|GLOB list) of a command line. */
    public record Arguments(OptionModel options, List<String> positional) {
    }

    /**
     * {@code --key value} and {@code --key=value}. A bool option alone ({@code --verbose})
     * means true; {@code --} ends the options. Unknown options are kept (the caller checks
     * them with the schema); one with no value is an error.
     */
    public static Arguments fromArguments(List<String> args) throws ConfigException {
        List<OptionValue> values = new ArrayList<>();
        List<String> positional = new ArrayList<>();
        List<ConfigError> errors = new ArrayList<>();
        boolean optionsDone = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            Origin origin = new Origin(Path.of("argv"), i + 1);
            if (optionsDone || !a.startsWith("--") || a.length() == 2) {
                if (a.equals("--") && !optionsDone) {
                    optionsDone = true;
                } else {
                    positional.add(a);
                }
                continue;
            }
            String body = a.substring(2);
            int eq = body.indexOf('=');
            if (eq >= 0) {
                values.add(new OptionValue(body.substring(0, eq), body.substring(eq + 1), origin));
                continue;
            }
            Optional<OptionSpec> spec = Schema.standard().find(body);
            boolean flag = spec.isPresent() && spec.get().type() == OptionType.BOOL;
            boolean next = i + 1 < args.size() && !args.get(i + 1).startsWith("--");
            if (flag && !(next && OptionType.parseBool(args.get(i + 1)).isPresent())) {
                values.add(new OptionValue(body, "true", origin));
            } else if (next) {
                values.add(new OptionValue(body, args.get(++i), origin));
            } else {
                errors.add(new ConfigError(origin, "--" + body + " needs a value"));
            }
        }
        if (!errors.isEmpty()) throw new ConfigException(errors);
        return new Arguments(new OptionModel(values), positional);
    }

    /**
     * The emperor's settings from all its sources, weakest first: the settings file, then the
     * environment, then the command line. Single-valued settings take the last value, so the
     * command line wins; repeatable ones (emperor, vassal-set, vassals-include) accumulate.
     */
    public static OptionModel merge(OptionModel... weakestFirst) {
        List<OptionValue> all = new ArrayList<>();
        for (OptionModel m : weakestFirst) all.addAll(m.values());
        return new OptionModel(all);
    }

    /** True for the pseudo-files {@code argv} and {@code env:NAME} that these sources use as origins. */
    static boolean isSource(Path file) {
        String s = file.toString();
        return s.equals("argv") || s.startsWith("env:");
    }
}
