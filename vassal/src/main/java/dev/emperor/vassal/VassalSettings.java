package dev.emperor.vassal;

import dev.emperor.config.ConfigError;
import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader.LoadedConfig;
import dev.emperor.config.OptionValue;
import dev.emperor.config.Origin;
import dev.emperor.vassal.process.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The typed settings of one vassal, validated from its file. Nothing here comes from the
 * emperor's own configuration: a vassal gets only what its file says (plus what the
 * emperor explicitly sets for all vassals, merged into the options before this runs).
 *
 * @param name        the vassal's name (file name without extension)
 * @param configFile  the file it came from
 * @param argv        the program and its arguments
 * @param processes   number of workers
 * @param master      true: a dead worker is respawned alone; false: the vassal restarts whole
 * @param environment extra variables for the workers, in file order
 * @param directory   the workers' working directory
 * @param stopSignal  sent to a worker's process group to stop it
 * @param reloadMercy time from the stop signal to SIGKILL
 * @param logFile     where workers' output goes, or empty for the emperor's default
 * @param readyAfter  a worker up this long counts as started; dying sooner is a fast failure
 */
public record VassalSettings(
        String name,
        Path configFile,
        List<String> argv,
        int processes,
        boolean master,
        Map<String, String> environment,
        Path directory,
        Signal stopSignal,
        Duration reloadMercy,
        Optional<Path> logFile,
        Duration readyAfter) {

    public static final int MAX_PROCESSES = 4096;

    public VassalSettings {
        argv = List.copyOf(argv);
        environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    }

    /** The options a vassal file may set: name, type and a line of help. */
    public enum Option {
        COMMAND("command", "string", "the program and its arguments (split like a shell, but no shell runs)"),
        SHELL("shell", "bool", "run command through /bin/sh -c (default false)"),
        PROCESSES("processes", "int", "number of worker processes (default 1)"),
        MASTER("master", "bool", "true: a dead worker is respawned alone; false: the vassal restarts whole (default true)"),
        ENV("env", "list", "KEY=VALUE for the workers' environment (repeatable)"),
        CHDIR("chdir", "path", "working directory (default: the folder of the vassal file)"),
        STOP_SIGNAL("stop-signal", "signal", "signal that asks a worker to stop (default SIGTERM)"),
        RELOAD_MERCY("reload-mercy", "duration", "seconds from the stop signal to SIGKILL (default 10)"),
        LOGTO("logto", "path", "file for the workers' stdout and stderr (default: RUN_DIR/logs/NAME.log)"),
        READY_AFTER("ready-after", "duration", "seconds a worker must stay up to count as started (default 2)");

        private final String key;
        private final String type;
        private final String help;

        Option(String key, String type, String help) {
            this.key = key;
            this.type = type;
            this.help = help;
        }

        public String key() {
            return key;
        }

        public String type() {
            return type;
        }

        public String help() {
            return help;
        }

        static Optional<Option> of(String key) {
            for (Option o : values()) {
                if (o.key.equals(key)) return Optional.of(o);
            }
            return Optional.empty();
        }
    }

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /**
     * Validates a parsed vassal file. Every problem is collected, each with its line, so an
     * operator fixes the file in one pass.
     */
    public static VassalSettings from(String name, LoadedConfig config) throws ConfigException {
        Path file = config.file().toAbsolutePath().normalize();
        Path fileDir = file.getParent();
        boolean uwsgiFile = "uwsgi".equals(config.section());
        List<ConfigError> errors = new ArrayList<>();
        Map<Option, OptionValue> single = new LinkedHashMap<>();
        Map<String, String> env = new LinkedHashMap<>();

        for (OptionValue v : config.options().values()) {
            Optional<Option> option = Option.of(v.key());
            if (option.isEmpty()) {
                if (!uwsgiFile) { // a [uwsgi] file's other options belong to uwsgi itself
                    errors.add(new ConfigError(v.origin(), "unknown option '" + v.key() + "'" + suggestion(v.key())));
                }
                continue;
            }
            if (option.get() == Option.ENV) {
                int eq = v.value().indexOf('=');
                String key = eq < 0 ? v.value() : v.value().substring(0, eq);
                if (eq < 0 || !ENV_NAME.matcher(key).matches()) {
                    errors.add(new ConfigError(v.origin(), "env: expected KEY=VALUE, found '" + v.value() + "'"));
                } else {
                    env.put(key, v.value().substring(eq + 1));
                }
            } else {
                single.put(option.get(), v); // the last one written wins
            }
        }

        boolean shell = bool(single.get(Option.SHELL), false, errors);
        List<String> argv = List.of();
        OptionValue command = single.get(Option.COMMAND);
        if (command == null || command.value().isBlank()) {
            if (uwsgiFile && command == null) {
                argv = List.of("uwsgi", "--" + config.format().displayName(), file.toString());
            } else {
                errors.add(new ConfigError(command != null ? command.origin() : new Origin(file, 1),
                        "missing 'command': say which program this vassal runs"));
            }
        } else if (shell) {
            argv = List.of("/bin/sh", "-c", command.value());
        } else {
            try {
                argv = CommandWords.split(command.value());
            } catch (IllegalArgumentException e) {
                errors.add(new ConfigError(command.origin(), "command: " + e.getMessage()));
            }
        }

        int processes = integer(single.get(Option.PROCESSES), 1, 1, MAX_PROCESSES, errors);
        boolean master = bool(single.get(Option.MASTER), true, errors);
        Path directory = path(single.get(Option.CHDIR), fileDir, fileDir);
        Signal defaultStop = uwsgiFile && command == null ? Signal.INT : Signal.TERM; // SIGTERM reloads a uWSGI master
        Signal stopSignal = signal(single.get(Option.STOP_SIGNAL), defaultStop, errors);
        Duration mercy = seconds(single.get(Option.RELOAD_MERCY), Duration.ofSeconds(10), errors);
        Duration readyAfter = seconds(single.get(Option.READY_AFTER), Duration.ofSeconds(2), errors);
        Optional<Path> logFile = Optional.ofNullable(single.get(Option.LOGTO))
                .filter(v -> !v.value().isBlank())
                .map(v -> fileDir.resolve(v.value()).normalize());

        if (!errors.isEmpty()) {
            errors.sort(java.util.Comparator.comparingInt(e -> e.origin().line()));
            throw new ConfigException(errors);
        }
        return new VassalSettings(name, file, argv, processes, master, env, directory, stopSignal, mercy, logFile,
                readyAfter);
    }

    private static boolean bool(OptionValue v, boolean dflt, List<ConfigError> errors) {
        if (v == null) return dflt;
        switch (v.value().strip().toLowerCase(Locale.ROOT)) {
            case "", "true", "yes", "on", "1", "y" -> {
                return true;
            }
            case "false", "no", "off", "0", "n" -> {
                return false;
            }
            default -> {
                errors.add(new ConfigError(v.origin(), v.key() + ": expected true or false, found '" + v.value() + "'"));
                return dflt;
            }
        }
    }

    private static int integer(OptionValue v, int dflt, int min, int max, List<ConfigError> errors) {
        if (v == null) return dflt;
        try {
            int n = Integer.parseInt(v.value().strip());
            if (n < min || n > max) {
                errors.add(new ConfigError(v.origin(), v.key() + ": must be between " + min + " and " + max + ", found " + n));
                return dflt;
            }
            return n;
        } catch (NumberFormatException e) {
            errors.add(new ConfigError(v.origin(), v.key() + ": expected a whole number, found '" + v.value() + "'"));
            return dflt;
        }
    }

    private static Duration seconds(OptionValue v, Duration dflt, List<ConfigError> errors) {
        if (v == null) return dflt;
        try {
            double s = Double.parseDouble(v.value().strip());
            if (s < 0 || s > 86_400 || Double.isNaN(s)) {
                errors.add(new ConfigError(v.origin(), v.key() + ": must be between 0 and 86400 seconds, found " + v.value()));
                return dflt;
            }
            return Duration.ofMillis(Math.round(s * 1000));
        } catch (NumberFormatException e) {
            errors.add(new ConfigError(v.origin(), v.key() + ": expected a number of seconds, found '" + v.value() + "'"));
            return dflt;
        }
    }

    private static Signal signal(OptionValue v, Signal dflt, List<ConfigError> errors) {
        if (v == null) return dflt;
        Optional<Signal> s = Signal.parse(v.value());
        if (s.isEmpty()) {
            errors.add(new ConfigError(v.origin(), v.key() + ": unknown signal '" + v.value() + "' (try SIGTERM, SIGINT, SIGQUIT, SIGHUP)"));
            return dflt;
        }
        return s.get();
    }

    private static Path path(OptionValue v, Path dflt, Path base) {
        if (v == null || v.value().isBlank()) return dflt;
        return base.resolve(v.value()).normalize();
    }

    /** " (did you mean 'x'?)" when a known option is within two edits, else "". */
    static String suggestion(String key) {
        String best = null;
        int bestDistance = 3;
        for (Option o : Option.values()) {
            int d = editDistance(key, o.key());
            if (d < bestDistance) {
                best = o.key();
                bestDistance = d;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
