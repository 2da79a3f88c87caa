package dev.emperor.vassal;

import dev.emperor.config.ConfigError;
import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader.LoadedConfig;
import dev.emperor.config.OptionValue;
import dev.emperor.config.Origin;
import dev.emperor.vassal.process.ProcessLimits;
import dev.emperor.vassal.process.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
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
        boolean restartOnDeadlock) {

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

    /** The options a vassal file may set: name, type and a line of help. */
    public enum Option {
        COMMAND("command", "string", "the program and its arguments (split like a shell, but no shell runs)"),
        SHELL("shell", "bool", "run command through /bin/sh -c (default false)"),
        PROCESSES("processes", "int", "number of worker processes (default 1)"),
        MASTER("master", "bool", "true: a dead worker is respawned alone; false: the vassal restarts whole (default true)"),
        LAZY_APPS("lazy-apps", "bool", "true: workers load the app themselves and reload one at a time (default false)"),
        PRELOAD("preload", "string", "command run once before the workers start, when lazy-apps is false"),
        ENV("env", "list", "KEY=VALUE for the workers' environment (repeatable)"),
        CHDIR("chdir", "path", "working directory (default: the folder of the vassal file)"),
        STOP_SIGNAL("stop-signal", "signal", "signal that asks a worker to stop (default SIGTERM)"),
        RELOAD_SIGNAL("reload-signal", "signal", "signal that asks a worker to reload in place (default: replace it)"),
        RELOAD_MERCY("reload-mercy", "duration", "seconds from the stop signal to SIGKILL (default 10)"),
        READY_AFTER("ready-after", "duration", "seconds a worker must stay up to count as started (default 2)"),
        MAX_FAST_FAILURES("max-fast-failures", "int", "fast failures in a row before the vassal is failed (default 10, 0: never)"),
        TOUCH_RELOAD("touch-reload", "list", "reload when this file's modification time changes (repeatable)"),
        RELOAD_ON_RSS("reload-on-rss", "int", "replace a worker whose resident memory passes this many MB"),
        LOGTO("logto", "path", "file for the workers' stdout and stderr (default: RUN_DIR/logs/NAME.log)"),
        LOG_MAXSIZE("log-maxsize", "size", "rotate the log before it passes this size (bytes, or 10K, 5M, 1G)"),
        UID("uid", "string", "user to run the workers as (name or number; the emperor must run as root)"),
        GID("gid", "string", "group to run the workers as (name or number; the emperor must run as root)"),
        UMASK("umask", "octal", "file mode creation mask of the workers, e.g. 022"),
        LIMIT_NOFILE("limit-nofile", "int", "maximum open files per worker (RLIMIT_NOFILE)"),
        LIMIT_NPROC("limit-nproc", "int", "maximum processes of the workers' user (RLIMIT_NPROC)"),
        LIMIT_AS("limit-as", "int", "maximum address space per worker in MB (RLIMIT_AS)"),
        LIMIT_CORE("limit-core", "size", "maximum core dump size (RLIMIT_CORE)"),
        HEARTBEAT("heartbeat", "duration", "seconds between the agent's heartbeats (default 0: none expected)"),
        HEARTBEAT_GRACE("heartbeat-grace", "duration", "seconds a new worker may take to send its first heartbeat (default 60)"),
        RESTART_ON_DEADLOCK("restart-on-deadlock", "bool", "restart a worker whose agent reports deadlocked threads twice in a row (default false)"),
        AGENT("agent", "bool", "inject the agent bridge into the workers' JVMs (default false)");

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
    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?");

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
        List<Path> touchReload = new ArrayList<>();

        for (OptionValue v : config.options().values()) {
            Optional<Option> option = Option.of(v.key());
            if (option.isEmpty()) {
                if (!uwsgiFile) { // a [uwsgi] file's other options belong to uwsgi itself
                    errors.add(new ConfigError(v.origin(), "unknown option '" + v.key() + "'" + suggestion(v.key())));
                }
                continue;
            }
            switch (option.get()) {
                case ENV -> {
                    int eq = v.value().indexOf('=');
                    String key = eq < 0 ? v.value() : v.value().substring(0, eq);
                    if (eq < 0 || !ENV_NAME.matcher(key).matches()) {
                        errors.add(new ConfigError(v.origin(), "env: expected KEY=VALUE, found '" + v.value() + "'"));
                    } else if (v.value().indexOf('\0') >= 0) {
                        errors.add(new ConfigError(v.origin(), "env: a NUL character cannot be passed to a process"));
                    } else {
                        env.put(key, v.value().substring(eq + 1));
                    }
                }
                case TOUCH_RELOAD -> {
                    if (v.value().isBlank()) {
                        errors.add(new ConfigError(v.origin(), "touch-reload: expected a file path"));
                    } else {
                        Path p = path(v, null, fileDir, errors);
                        if (p != null) touchReload.add(p);
                    }
                }
                default -> single.put(option.get(), v); // the last one written wins
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
        } else {
            argv = words(command, shell, errors);
        }

        // A uWSGI file run by uwsgi: its processes are uwsgi's own workers, not ours to multiply.
        boolean runsUwsgi = uwsgiFile && command == null;
        int processes = runsUwsgi ? 1 : integer(single.get(Option.PROCESSES), 1, 1, MAX_PROCESSES, errors);
        boolean master = bool(single.get(Option.MASTER), true, errors);
        boolean lazyApps = bool(single.get(Option.LAZY_APPS), false, errors);
        Optional<List<String>> preload = Optional.empty();
        OptionValue preloadValue = single.get(Option.PRELOAD);
        if (preloadValue != null && !preloadValue.value().isBlank()) {
            if (lazyApps) {
                errors.add(new ConfigError(preloadValue.origin(), "preload: has no effect with lazy-apps = true "
                        + "(each worker loads the app itself); remove one of them"));
            }
            preload = Optional.of(words(preloadValue, shell, errors));
        }
        Path directory = path(single.get(Option.CHDIR), fileDir, fileDir, errors);
        Signal defaultStop = uwsgiFile && command == null ? Signal.INT : Signal.TERM; // SIGTERM reloads a uWSGI master
        Signal stopSignal = signal(single.get(Option.STOP_SIGNAL), defaultStop, errors);
        Optional<Signal> reloadSignal = Optional.ofNullable(single.get(Option.RELOAD_SIGNAL))
                .map(v -> signal(v, Signal.HUP, errors));
        Duration mercy = seconds(single.get(Option.RELOAD_MERCY), Duration.ofSeconds(10), errors);
        Duration readyAfter = seconds(single.get(Option.READY_AFTER), Duration.ofSeconds(2), errors);
        int maxFastFailures = integer(single.get(Option.MAX_FAST_FAILURES), 10, 0, 1_000_000, errors);
        long rssMb = integer(single.get(Option.RELOAD_ON_RSS), 0, 0, 1 << 24, errors);
        Optional<Path> logFile = Optional.ofNullable(path(single.get(Option.LOGTO), null, fileDir, errors));
        long logMax = size(single.get(Option.LOG_MAXSIZE), 0, errors);
        Duration heartbeat = seconds(single.get(Option.HEARTBEAT), Duration.ZERO, errors);
        boolean agent = bool(single.get(Option.AGENT), false, errors);
        Duration grace = seconds(single.get(Option.HEARTBEAT_GRACE), Duration.ofSeconds(60), errors);
        boolean restartOnDeadlock = bool(single.get(Option.RESTART_ON_DEADLOCK), false, errors);

        Optional<String> uid = account(single.get(Option.UID), errors);
        Optional<String> gid = account(single.get(Option.GID), errors);
        OptionalInt umask = OptionalInt.empty();
        OptionValue umaskValue = single.get(Option.UMASK);
        if (umaskValue != null) {
            try {
                int m = Integer.parseInt(umaskValue.value().strip(), 8);
                if (m < 0 || m > 0777) throw new NumberFormatException();
                umask = OptionalInt.of(m);
            } catch (NumberFormatException e) {
                errors.add(new ConfigError(umaskValue.origin(), "umask: expected an octal mask such as 022, found '"
                        + umaskValue.value() + "'"));
            }
        }
        Map<ProcessLimits.Resource, Long> rlimits = new java.util.EnumMap<>(ProcessLimits.Resource.class);
        limit(single.get(Option.LIMIT_NOFILE), ProcessLimits.Resource.NOFILE, 1, rlimits, errors);
        limit(single.get(Option.LIMIT_NPROC), ProcessLimits.Resource.NPROC, 1, rlimits, errors);
        limit(single.get(Option.LIMIT_AS), ProcessLimits.Resource.AS, 1L << 20, rlimits, errors);
        OptionValue core = single.get(Option.LIMIT_CORE);
        if (core != null) rlimits.put(ProcessLimits.Resource.CORE, size(core, 0, errors));

        if (!errors.isEmpty()) {
            errors.sort(java.util.Comparator.comparingInt(e -> e.origin().line()));
            throw new ConfigException(errors);
        }
        return new VassalSettings(name, file, argv, processes, master, env, directory, stopSignal, mercy, logFile,
                readyAfter, new ReloadSettings(lazyApps, preload, reloadSignal, touchReload, rssMb),
                new ProcessLimits(uid, gid, umask, rlimits), logMax, maxFastFailures, heartbeat, agent, grace,
                restartOnDeadlock);
    }

    private static List<String> words(OptionValue v, boolean shell, List<ConfigError> errors) {
        if (shell) return List.of("/bin/sh", "-c", v.value());
        try {
            List<String> w = CommandWords.split(v.value());
            if (w.isEmpty()) errors.add(new ConfigError(v.origin(), v.key() + ": empty"));
            return w;
        } catch (IllegalArgumentException e) {
            errors.add(new ConfigError(v.origin(), v.key() + ": " + e.getMessage()));
            return List.of();
        }
    }

    private static Optional<String> account(OptionValue v, List<ConfigError> errors) {
        if (v == null || v.value().isBlank()) return Optional.empty();
        String s = v.value().strip();
        if (!ACCOUNT.matcher(s).matches()) {
            errors.add(new ConfigError(v.origin(), v.key() + ": '" + s + "' is not a user or group name or number"));
            return Optional.empty();
        }
        return Optional.of(s);
    }

    private static void limit(OptionValue v, ProcessLimits.Resource resource, long unit,
                              Map<ProcessLimits.Resource, Long> out, List<ConfigError> errors) {
        if (v == null) return;
        try {
            long n = Long.parseLong(v.value().strip());
            if (n < 0) throw new NumberFormatException();
            out.put(resource, Math.multiplyExact(n, unit));
        } catch (NumberFormatException | ArithmeticException e) {
            errors.add(new ConfigError(v.origin(), v.key() + ": expected a whole number >= 0, found '" + v.value() + "'"));
        }
    }

    /** Bytes, with an optional K, M or G (powers of 1024). */
    private static long size(OptionValue v, long dflt, List<ConfigError> errors) {
        if (v == null) return dflt;
        String s = v.value().strip().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (s.endsWith("B")) s = s.substring(0, s.length() - 1);
        if (s.endsWith("K")) unit = 1L << 10;
        else if (s.endsWith("M")) unit = 1L << 20;
        else if (s.endsWith("G")) unit = 1L << 30;
        if (unit > 1) s = s.substring(0, s.length() - 1);
        try {
            long n = Long.parseLong(s.strip());
            if (n < 0) throw new NumberFormatException();
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            errors.add(new ConfigError(v.origin(), v.key() + ": expected a size such as 10485760, 512K or 10M, found '"
                    + v.value() + "'"));
            return dflt;
        }
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

    private static Path path(OptionValue v, Path dflt, Path base, List<ConfigError> errors) {
        if (v == null || v.value().isBlank()) return dflt;
        try {
            return base.resolve(v.value().strip()).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            errors.add(new ConfigError(v.origin(), v.key() + ": not a usable path (" + e.getReason() + ")"));
            return dflt;
        }
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
