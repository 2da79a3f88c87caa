package dev.emperor.vassal;

import dev.emperor.config.ConfigError;
import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader.LoadedConfig;
import dev.emperor.config.OptionValue;
import dev.emperor.config.Origin;
import dev.emperor.config.schema.OptionSpec;
import dev.emperor.config.schema.OptionType;
import dev.emperor.config.schema.Schema;
import dev.emperor.config.schema.Scope;
import dev.emperor.vassal.process.ProcessLimits;
import dev.emperor.vassal.process.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * The typed settings of one vassal, validated from its file. Nothing here comes from the
 * emperor's own configuration: a vassal gets only what its file says (plus what the
 * emperor explicitly sets for all vassals, merged into the options before this runs).
 *
 * @param name           the vassal's name (file name without extension)
 * @param configFile     the file it came from
 * @param argv           the program and its arguments
 * @param processes      number of workers
 * @param master         true: a dead worker is respawned alone; false: the vassal restarts whole
 * @param environment    extra variables for the workers, in file order
 * @param directory      the workers' working directory
 * @param stopSignal     sent to a worker's process group to stop it
 * @param reloadMercy    time from the stop signal to SIGKILL
 * @param logFile        where workers' output goes, or empty for the emperor's default
 * @param readyAfter     a worker up this long counts as started; dying sooner is a fast failure
 * @param reload         how the vassal reloads
 * @param limits         who the workers run as and with which resource limits
 * @param logMaxBytes    rotate the log before it grows past this (0: never)
 * @param maxFastFailures consecutive fast failures after which the vassal is failed (0: never)
 * @param heartbeat      seconds between the agent's heartbeats (zero: none expected)
 * @param agent          inject the agent bridge into the workers' JVMs
 * @param heartbeatGrace how long a new worker may take to send its first heartbeat
 * @param restartOnDeadlock restart a worker whose agent reports deadlocked threads twice in a row
 * @param logTimestamp   start each line of the log with its time ({@code log-timestamp})
 * @param logJournal     send the workers' output to the systemd journal ({@code log-journal})
 * @param oneShots       the {@code exec-pre} and {@code exec-post-stop} commands and their timeout
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
        Duration readyAfter,
        ReloadSettings reload,
        ProcessLimits limits,
        long logMaxBytes,
        int maxFastFailures,
        Duration heartbeat,
        boolean agent,
        Duration heartbeatGrace,
        boolean restartOnDeadlock,
        boolean logTimestamp,
        boolean logJournal,
        OneShots oneShots) {

    public static final int MAX_PROCESSES = 4096;

    public VassalSettings {
        argv = List.copyOf(argv);
        environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    }

    /**
     * How a reload happens.
     *
     * @param lazyApps     true: workers are replaced one at a time (chain reload)
     * @param preload      run once before the workers when lazy-apps is false
     * @param reloadSignal if set, an operator reload or a touch sends this to the workers
     *                     instead of replacing them (apps that reload in place)
     * @param touchReload  files whose modification triggers a reload
     * @param reloadOnRssMb replace a worker whose resident memory passes this (0: never)
     */
    public record ReloadSettings(boolean lazyApps, Optional<List<String>> preload, Optional<Signal> reloadSignal,
                                 List<Path> touchReload, long reloadOnRssMb) {
        public static final ReloadSettings DEFAULT = new ReloadSettings(false, Optional.empty(), Optional.empty(),
                List.of(), 0);

        public ReloadSettings {
            touchReload = List.copyOf(touchReload);
            preload = preload.map(List::copyOf);
        }
    }

    /**
     * Commands run to completion around the workers, as the workers' user, in their directory,
     * with their environment.
     *
     * @param pre      {@code exec-pre}, in order, before the workers start from none
     * @param postStop {@code exec-post-stop}, in order, after the last worker is gone on a stop
     * @param timeout  {@code exec-timeout}: past it the command's process group is killed
     */
    public record OneShots(List<List<String>> pre, List<List<String>> postStop, Duration timeout) {
        public static final OneShots NONE = new OneShots(List.of(), List.of(), Duration.ofSeconds(60));

        public OneShots {
            pre = pre.stream().map(List::copyOf).toList();
            postStop = postStop.stream().map(List::copyOf).toList();
        }
    }

    private static final Schema SCHEMA = Schema.standard();
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?");

    /**
     * Validates a parsed vassal file against the one option {@link Schema}. Every problem is
     * collected, each with its line, so an operator fixes the file in one pass. File logic
     * ({@code ini =}, {@code set =}, {@code for =} ... {@code endfor =}) and the definitions
     * of {@code %(NAME)} placeholders are not settings and are passed over.
     */
    public static VassalSettings from(String name, LoadedConfig config) throws ConfigException {
        Path file = config.file().toAbsolutePath().normalize();
        Path fileDir = file.getParent();
        boolean uwsgiFile = "uwsgi".equals(config.section());
        List<ConfigError> errors = new ArrayList<>();
        Map<String, OptionValue> single = new LinkedHashMap<>();
        Map<String, String> env = new LinkedHashMap<>();
        List<Path> touchReload = new ArrayList<>();
        List<OptionValue> execPre = new ArrayList<>();
        List<OptionValue> execPostStop = new ArrayList<>();

        for (OptionValue v : config.options().values()) {
            if (Schema.FILE_LOGIC.contains(v.key())) continue;
            Optional<OptionSpec> spec = SCHEMA.find(v.key()).filter(o -> o.scope().vassal());
            if (spec.isEmpty()) {
                // a [uwsgi] file's other options belong to uwsgi itself; a placeholder's definition is no setting
                if (!uwsgiFile && !config.placeholders().contains(v.key())) {
                    errors.add(new ConfigError(v.origin(), unknown(v.key()), "unknown option"));
                }
                continue;
            }
            switch (spec.get().name()) {
                case "env" -> {
                    int eq = v.value().indexOf('=');
                    String key = eq < 0 ? v.value() : v.value().substring(0, eq);
                    if (eq < 0 || !ENV_NAME.matcher(key).matches()) {
                        errors.add(new ConfigError(v.origin(), "env: expected KEY=VALUE, found '" + v.value() + "'",
                                "env: expected KEY=VALUE"));
                    } else if (key.startsWith("EMPEROR_")) {
                        // The emperor's own: a worker's identity (which cgroup it joins, which log and
                        // agent slot are its own) must not be the file's to choose.
                        errors.add(new ConfigError(v.origin(), "env: " + key + " is reserved for the emperor,"
                                + " which sets it for every worker", "env: EMPEROR_* is reserved for the emperor"));
                    } else if (v.value().indexOf('\0') >= 0) {
                        errors.add(new ConfigError(v.origin(), "env: a NUL character cannot be passed to a process",
                                "env: a NUL character cannot be passed to a process"));
                    } else {
                        env.put(key, v.value().substring(eq + 1));
                    }
                }
                case "touch-reload" -> {
                    if (v.value().isBlank()) {
                        errors.add(new ConfigError(v.origin(), "touch-reload: expected a file path", "touch-reload: expected a file path"));
                    } else {
                        Path p = path(v, null, fileDir, errors);
                        if (p != null) touchReload.add(p);
                    }
                }
                case "exec-pre" -> execPre.add(v);
                case "exec-post-stop" -> execPostStop.add(v);
                default -> single.put(spec.get().name(), v); // the last one written wins
            }
        }
        Values values = new Values(single, errors);

        boolean shell = values.bool("shell");
        List<String> argv = List.of();
        OptionValue command = single.get("command");
        if (command == null || command.value().isBlank()) {
            if (uwsgiFile && command == null) {
                argv = List.of("uwsgi", "--" + config.format().displayName(), file.toString());
            } else {
                errors.add(new ConfigError(command != null ? command.origin() : new Origin(file, 1),
                        "missing 'command': say which program this vassal runs", "missing 'command'"));
            }
        } else {
            argv = words(command, shell, errors);
        }

        // A uWSGI file run by uwsgi: its processes are uwsgi's own workers, not ours to multiply.
        boolean runsUwsgi = uwsgiFile && command == null;
        int processes = runsUwsgi ? 1 : (int) values.integer("processes", 1, MAX_PROCESSES);
        boolean master = values.bool("master");
        boolean lazyApps = values.bool("lazy-apps");
        Optional<List<String>> preload = Optional.empty();
        OptionValue preloadValue = single.get("preload");
        if (preloadValue != null && !preloadValue.value().isBlank()) {
            if (lazyApps) {
                errors.add(new ConfigError(preloadValue.origin(), "preload: has no effect with lazy-apps = true "
                        + "(each worker loads the app itself); remove one of them", "preload: has no effect with lazy-apps = true"));
            }
            preload = Optional.of(words(preloadValue, shell, errors));
        }
        Path directory = path(single.get("chdir"), fileDir, fileDir, errors);
        // SIGTERM only reloads a uWSGI master: a file run by uwsgi stops with SIGINT unless it says otherwise
        Signal defaultStop = runsUwsgi ? Signal.INT : Signal.parse(SCHEMA.get("stop-signal").defaultValue()).orElseThrow();
        Signal stopSignal = values.signal("stop-signal").orElse(defaultStop);
        Optional<Signal> reloadSignal = values.signal("reload-signal");
        Duration mercy = values.seconds("reload-mercy");
        Duration readyAfter = values.seconds("ready-after");
        int maxFastFailures = (int) values.integer("max-fast-failures", 0, 1_000_000);
        long rssMb = values.integer("reload-on-rss", 0, 1 << 24);
        Optional<Path> logFile = Optional.ofNullable(path(single.get("logto"), null, fileDir, errors));
        long logMax = values.size("log-maxsize").orElse(0);
        boolean logTimestamp = values.bool("log-timestamp");
        boolean logJournal = values.bool("log-journal");
        Duration heartbeat = values.seconds("heartbeat");
        boolean agent = values.bool("agent");
        Duration grace = values.seconds("heartbeat-grace");
        boolean restartOnDeadlock = values.bool("restart-on-deadlock");

        Optional<String> uid = account(single.get("uid"), errors);
        Optional<String> gid = account(single.get("gid"), errors);
        OptionalInt umask = OptionalInt.empty();
        OptionValue umaskValue = single.get("umask");
        if (umaskValue != null && values.valid("umask")) {
            umask = OptionalInt.of(Integer.parseInt(umaskValue.value().strip(), 8));
        }
        Map<ProcessLimits.Resource, Long> rlimits = new java.util.EnumMap<>(ProcessLimits.Resource.class);
        values.limit("limit-nofile", ProcessLimits.Resource.NOFILE, 1, rlimits);
        values.limit("limit-nproc", ProcessLimits.Resource.NPROC, 1, rlimits);
        values.limit("limit-as", ProcessLimits.Resource.AS, 1L << 20, rlimits);
        values.size("limit-core").ifPresent(n -> rlimits.put(ProcessLimits.Resource.CORE, n));

        OneShots oneShots = new OneShots(commands(execPre, shell, errors), commands(execPostStop, shell, errors),
                values.seconds("exec-timeout"));
        if (oneShots.timeout().isZero() && single.containsKey("exec-timeout")) {
            errors.add(new ConfigError(single.get("exec-timeout").origin(), "exec-timeout: must be more than 0 seconds",
                    "exec-timeout: must be more than 0 seconds"));
        }

        if (!errors.isEmpty()) {
            errors.sort(java.util.Comparator.comparingInt(e -> e.origin().line()));
            throw new ConfigException(errors);
        }
        return new VassalSettings(name, file, argv, processes, master, env, directory, stopSignal, mercy, logFile,
                readyAfter, new ReloadSettings(lazyApps, preload, reloadSignal, touchReload, rssMb),
                new ProcessLimits(uid, gid, umask, rlimits), logMax, maxFastFailures, heartbeat, agent, grace,
                restartOnDeadlock, logTimestamp, logJournal, oneShots);
    }

    /** The words of each repeated command option, in file order; blank ones are errors. */
    private static List<List<String>> commands(List<OptionValue> values, boolean shell, List<ConfigError> errors) {
        List<List<String>> out = new ArrayList<>();
        for (OptionValue v : values) {
            if (v.value().isBlank()) {
                errors.add(new ConfigError(v.origin(), v.key() + ": expected a command", v.key() + ": expected a command"));
            } else {
                List<String> w = words(v, shell, errors);
                if (!w.isEmpty()) out.add(w);
            }
        }
        return out;
    }

    /** "unknown option 'x'", with the closest vassal option when one is near. */
    static String unknown(String key) {
        return "unknown option '" + key + "'" + SCHEMA.suggestion(key, Scope.VASSAL);
    }

    /**
     * The single-valued settings of one file, read with the schema's types and defaults. A
     * value of the wrong type is one error ({@code NAME: expected ..., found 'x'}) and the
     * default stands in, so the other problems of the file are still found.
     */
    private record Values(Map<String, OptionValue> single, List<ConfigError> errors) {

        /** The value as written, or the schema's default when the file does not set it. */
        private String raw(String name) {
            OptionValue v = single.get(name);
            return v != null ? v.value() : SCHEMA.get(name).defaultValue();
        }

        /** False (and the error recorded) when the option is set to something its type does not accept. */
        boolean valid(String name) {
            OptionValue v = single.get(name);
            if (v == null) return true;
            Optional<String> problem = SCHEMA.get(name).type().problem(v.value());
            problem.ifPresent(p -> errors.add(new ConfigError(v.origin(), v.key() + ": " + p + ", found '"
                    + v.value() + "'", v.key() + ": " + p)));
            return problem.isEmpty();
        }

        boolean bool(String name) {
            boolean dflt = OptionType.parseBool(SCHEMA.get(name).defaultValue()).orElseThrow();
            return valid(name) ? OptionType.parseBool(raw(name)).orElse(dflt) : dflt;
        }

        long integer(String name, long min, long max) {
            long dflt = OptionType.parseLong(SCHEMA.get(name).defaultValue()).orElseThrow();
            if (!valid(name)) return dflt;
            long n = OptionType.parseLong(raw(name)).orElseThrow();
            if (n < min || n > max) {
                OptionValue v = single.get(name);
                errors.add(new ConfigError(v.origin(), v.key() + ": must be between " + min + " and " + max
                        + ", found " + n, v.key() + ": must be between " + min + " and " + max));
                return dflt;
            }
            return n;
        }

        Duration seconds(String name) {
            Duration dflt = Duration.ofMillis(Math.round(
                    OptionType.parseNumber(SCHEMA.get(name).defaultValue()).orElseThrow() * 1000));
            if (!valid(name)) return dflt;
            double s = OptionType.parseNumber(raw(name)).orElseThrow();
            if (s > 86_400) {
                OptionValue v = single.get(name);
                errors.add(new ConfigError(v.origin(), v.key() + ": must be between 0 and 86400 seconds, found "
                        + v.value(), v.key() + ": must be between 0 and 86400 seconds"));
                return dflt;
            }
            return Duration.ofMillis(Math.round(s * 1000));
        }

        OptionalLong size(String name) {
            OptionValue v = single.get(name);
            if (v == null) return OptionalLong.empty();
            OptionalLong n = OptionType.parseSize(v.value());
            if (n.isEmpty()) {
                errors.add(new ConfigError(v.origin(), v.key() + ": expected a size such as 10485760, 512K or 10M, found '"
                        + v.value() + "'", v.key() + ": expected a size such as 10485760, 512K or 10M"));
            }
            return n;
        }

        Optional<Signal> signal(String name) {
            OptionValue v = single.get(name);
            if (v == null) return Optional.empty();
            Optional<Signal> s = Signal.parse(v.value());
            if (s.isEmpty()) {
                errors.add(new ConfigError(v.origin(), v.key() + ": unknown signal '" + v.value()
                        + "' (try SIGTERM, SIGINT, SIGQUIT, SIGHUP)", v.key() + ": unknown signal"));
            }
            return s;
        }

        void limit(String name, ProcessLimits.Resource resource, long unit, Map<ProcessLimits.Resource, Long> out) {
            OptionValue v = single.get(name);
            if (v == null) return;
            OptionalLong n = OptionType.parseLong(v.value());
            try {
                if (n.isEmpty() || n.getAsLong() < 0) throw new ArithmeticException();
                out.put(resource, Math.multiplyExact(n.getAsLong(), unit));
            } catch (ArithmeticException e) {
                errors.add(new ConfigError(v.origin(), v.key() + ": expected a whole number >= 0, found '"
                        + v.value() + "'", v.key() + ": expected a whole number >= 0"));
            }
        }
    }

    private static List<String> words(OptionValue v, boolean shell, List<ConfigError> errors) {
        if (shell) return List.of("/bin/sh", "-c", v.value());
        try {
            List<String> w = CommandWords.split(v.value());
            if (w.isEmpty()) errors.add(new ConfigError(v.origin(), v.key() + ": empty", v.key() + ": empty"));
            return w;
        } catch (IllegalArgumentException e) {
            errors.add(new ConfigError(v.origin(), v.key() + ": " + e.getMessage(), v.key() + ": cannot be split into words"));
            return List.of();
        }
    }

    private static Optional<String> account(OptionValue v, List<ConfigError> errors) {
        if (v == null || v.value().isBlank()) return Optional.empty();
        String s = v.value().strip();
        if (!ACCOUNT.matcher(s).matches()) {
            errors.add(new ConfigError(v.origin(), v.key() + ": '" + s + "' is not a user or group name or number",
                    v.key() + ": not a user or group name or number"));
            return Optional.empty();
        }
        return Optional.of(s);
    }

    private static Path path(OptionValue v, Path dflt, Path base, List<ConfigError> errors) {
        if (v == null || v.value().isBlank()) return dflt;
        try {
            return base.resolve(v.value().strip()).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            errors.add(new ConfigError(v.origin(), v.key() + ": not a usable path (" + e.getReason() + ")",
                    v.key() + ": not a usable path"));
            return dflt;
        }
    }
}
