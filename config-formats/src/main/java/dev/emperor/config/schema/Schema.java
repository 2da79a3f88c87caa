package dev.emperor.config.schema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options Emperor knows: the vassal settings (those of the vassal module's
 * VassalSettings) and the emperor's own. Also the names that are file logic rather than
 * settings (includes, blocks, set), valid in every file. Immutable.
 */
public final class Schema {

    /** uWSGI's file logic: includes, blocks and placeholders-setting options. Valid anywhere. */
    public static final Set<String> FILE_LOGIC = Set.of("ini", "yaml", "yml", "json", "js", "xml", "xmlconfig",
            "include", "inherit", "set", "set-placeholder", "set-ph", "for", "for-glob", "for-times", "for-readline",
            "endfor", "end-for", "end", "if-opt", "if-not-opt", "if-env", "if-not-env", "ifenv", "if-reload",
            "if-not-reload", "if-hostname", "if-not-hostname", "if-hostname-match", "if-not-hostname-match", "if-exists",
            "if-not-exists", "ifexists", "if-plugin", "if-not-plugin", "ifplugin", "if-file", "if-not-file", "if-dir",
            "if-not-dir", "ifdir", "if-directory", "endif", "end-if");

    private static final Schema STANDARD = new Schema(List.of(
            // vassal settings: VassalSettings.Option, with its defaults
            new OptionSpec("command", OptionType.STRING, Scope.VASSAL, "", "the program and its arguments (split like a shell, but no shell runs); required in [vassal]"),
            new OptionSpec("shell", OptionType.BOOL, Scope.VASSAL, "false", "run command through /bin/sh -c"),
            new OptionSpec("processes", OptionType.INT, Scope.VASSAL, "1", "number of worker processes (1..4096); each gets EMPEROR_WORKER = 1..N"),
            new OptionSpec("master", OptionType.BOOL, Scope.VASSAL, "true", "true: a dead worker is respawned alone; false: the vassal restarts whole"),
            new OptionSpec("lazy-apps", OptionType.BOOL, Scope.VASSAL, "false", "true: workers load the app themselves and reload one at a time (chain reload)"),
            new OptionSpec("preload", OptionType.STRING, Scope.VASSAL, "", "command run once before the workers start, when lazy-apps is false"),
            new OptionSpec("env", OptionType.LIST, Scope.VASSAL, "", "KEY=VALUE for the workers' environment (repeatable)"),
            new OptionSpec("chdir", OptionType.PATH, Scope.VASSAL, "", "working directory (default: the folder of the vassal file)"),
            new OptionSpec("stop-signal", OptionType.SIGNAL, Scope.VASSAL, "SIGTERM", "signal that asks a worker to stop (SIGINT for a uwsgi vassal)"),
            new OptionSpec("reload-signal", OptionType.SIGNAL, Scope.VASSAL, "", "signal that asks a worker to reload in place (default: replace it)"),
            new OptionSpec("reload-mercy", OptionType.DURATION, Scope.VASSAL, "10", "seconds from the stop signal to SIGKILL"),
            new OptionSpec("ready-after", OptionType.DURATION, Scope.VASSAL, "2", "seconds a worker must stay up to count as started"),
            new OptionSpec("max-fast-failures", OptionType.INT, Scope.VASSAL, "10", "fast failures in a row before the vassal is failed (0: never)"),
            new OptionSpec("touch-reload", OptionType.LIST, Scope.VASSAL, "", "reload when this file's modification time changes (repeatable)"),
            new OptionSpec("reload-on-rss", OptionType.INT, Scope.VASSAL, "0", "replace a worker whose resident memory passes this many MB (0: never)"),
            new OptionSpec("logto", OptionType.PATH, Scope.VASSAL, "", "file for the workers' stdout and stderr (default: RUN_DIR/logs/NAME.log)"),
            new OptionSpec("log-maxsize", OptionType.SIZE, Scope.VASSAL, "0", "rotate the log before it passes this size (0: never)"),
            new OptionSpec("uid", OptionType.STRING, Scope.VASSAL, "", "user to run the workers as (name or number; the emperor must run as root)"),
            new OptionSpec("gid", OptionType.STRING, Scope.VASSAL, "", "group to run the workers as (name or number; the emperor must run as root)"),
            new OptionSpec("umask", OptionType.OCTAL, Scope.VASSAL, "", "file mode creation mask of the workers, e.g. 022"),
            new OptionSpec("limit-nofile", OptionType.INT, Scope.VASSAL, "", "maximum open files per worker (RLIMIT_NOFILE)"),
            new OptionSpec("limit-nproc", OptionType.INT, Scope.VASSAL, "", "maximum processes of the workers' user (RLIMIT_NPROC)"),
            new OptionSpec("limit-as", OptionType.INT, Scope.VASSAL, "", "maximum address space per worker in MB (RLIMIT_AS)"),
            new OptionSpec("limit-core", OptionType.SIZE, Scope.VASSAL, "", "maximum core dump size (RLIMIT_CORE)"),
            new OptionSpec("heartbeat", OptionType.DURATION, Scope.VASSAL, "0", "seconds between the agent's heartbeats (0: none expected)"),
            new OptionSpec("agent", OptionType.BOOL, Scope.VASSAL, "false", "inject the agent bridge into the workers' JVMs"),
            new OptionSpec("restart-on-deadlock", OptionType.BOOL, Scope.VASSAL, "false", "restart a worker whose agent reports deadlocked threads twice in a row"),
            new OptionSpec("heartbeat-grace", OptionType.DURATION, Scope.VASSAL, "60", "seconds a new worker may take to send its first heartbeat"),
            // the emperor's own settings
            new OptionSpec("emperor", OptionType.LIST, Scope.EMPEROR, "", "a directory or glob of vassal files to watch (repeatable)"),
            new OptionSpec("run-dir", OptionType.PATH, Scope.EMPEROR, "$XDG_RUNTIME_DIR/emperor or /tmp/emperor-$UID", "sockets and state"),
            new OptionSpec("stats", OptionType.STRING, Scope.EMPEROR, "", "HOST:PORT of the /stats, /metrics and dashboard HTTP server"),
            new OptionSpec("throttle", OptionType.DURATION, Scope.EMPEROR, "1000", "milliseconds of delay after a vassal's first fast failure (doubles each time)"),
            new OptionSpec("max-throttle", OptionType.DURATION, Scope.EMPEROR, "180000", "milliseconds the restart delay never exceeds"),
            new OptionSpec("rescan", OptionType.DURATION, Scope.EMPEROR, "10", "seconds between full rescans of the vassal directories (inotify does the rest)"),
            new OptionSpec("required-heartbeat", OptionType.DURATION, Scope.EMPEROR, "30", "seconds of heartbeat silence after which a worker is restarted"),
            new OptionSpec("vassal-set", OptionType.LIST, Scope.EMPEROR, "", "KEY=VALUE given to every vassal as a default its own file overrides (repeatable)"),
            new OptionSpec("vassals-include", OptionType.LIST, Scope.EMPEROR, "", "a file whose options every vassal gets as defaults its own file overrides (repeatable)"),
            new OptionSpec("verbose", OptionType.BOOL, Scope.EMPEROR, "false", "log every scan and every worker event")));

    private final Map<String, OptionSpec> byName = new LinkedHashMap<>();

    private Schema(List<OptionSpec> options) {
        for (OptionSpec o : options) {
            if (byName.put(o.name(), o) != null) throw new IllegalArgumentException("duplicate option " + o.name());
        }
    }

    /** The options Emperor knows. */
    public static Schema standard() {
        return STANDARD;
    }

    /** Every known option, vassal options first, in a stable order. */
    public List<OptionSpec> options() {
        return List.copyOf(byName.values());
    }

    public Optional<OptionSpec> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Options of one scope (BOTH counts for either). */
    public List<OptionSpec> options(Scope scope) {
        return byName.values().stream()
                .filter(o -> scope == Scope.BOTH ? o.scope() == Scope.BOTH : scope == Scope.VASSAL ? o.scope().vassal() : o.scope().emperor())
                .toList();
    }

    /** The closest known option within two edits among {@code candidates}, if any. */
    public static Optional<String> closest(String name, Iterable<String> candidates) {
        String best = null;
        int bestDistance = 3;
        for (String c : candidates) {
            int d = editDistance(name, c, bestDistance);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Levenshtein distance, giving up (returning {@code limit}) once it cannot be below it. */
    static int editDistance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) >= limit) return limit;
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin >= limit) return limit;
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The option table in Markdown, for docs/config.md. */
    public String markdownTable() {
        StringBuilder sb = new StringBuilder("| option | type | scope | default | what it does |\n|---|---|---|---|---|\n");
        for (OptionSpec o : byName.values()) {
            sb.append("| `").append(o.name()).append("` | ").append(o.type().displayName()).append(" | ")
                    .append(o.scope().name().toLowerCase(java.util.Locale.ROOT)).append(" | ")
                    .append(o.defaultValue().isEmpty() ? "" : "`" + o.defaultValue() + "`").append(" | ")
                    .append(o.help().replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }
}
