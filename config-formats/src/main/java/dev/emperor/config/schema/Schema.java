package dev.emperor.config.schema;

import static dev.emperor.config.schema.OptionType.BOOL;
import static dev.emperor.config.schema.OptionType.DURATION;
import static dev.emperor.config.schema.OptionType.INT;
import static dev.emperor.config.schema.OptionType.LIST;
import static dev.emperor.config.schema.OptionType.OCTAL;
import static dev.emperor.config.schema.OptionType.PATH;
import static dev.emperor.config.schema.OptionType.SIGNAL;
import static dev.emperor.config.schema.OptionType.SIZE;
import static dev.emperor.config.schema.OptionType.STRING;
import static dev.emperor.config.schema.Scope.EMPEROR;
import static dev.emperor.config.schema.Scope.VASSAL;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every option Emperor knows, declared once: the vassal settings and the emperor's own. The
 * vassal module's {@code VassalSettings}, the emperor's settings, {@code config check},
 * {@code config options}, did-you-mean and docs/config.md all read this table. Also the
 * names that are file logic rather than settings (includes, blocks, set), valid in every
 * file. Immutable.
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
            // vassal settings (read by the vassal module's VassalSettings)
            o("command", STRING, VASSAL, "", "", "the program and its arguments (split like a shell, but no shell runs); required in [vassal]"),
            o("shell", BOOL, VASSAL, "false", "", "run command (and preload, exec-pre, exec-post-stop) through /bin/sh -c"),
            o("processes", INT, VASSAL, "1", "workers", "number of worker processes (1..4096); each gets EMPEROR_WORKER = 1..N"),
            o("master", BOOL, VASSAL, "true", "master", "true: a dead worker is respawned alone; false: the vassal restarts whole"),
            o("lazy-apps", BOOL, VASSAL, "false", "lazy-apps", "true: workers load the app themselves and reload one at a time (chain reload)"),
            o("preload", STRING, VASSAL, "", "", "command run once before the workers start, when lazy-apps is false"),
            o("exec-pre", LIST, VASSAL, "", "", "command run to completion before the workers start from none (first start, a restart after backoff or failed, an all-at-once reload), as the workers' user, in their directory, with their environment (repeatable, in order; a failure is a fast failure of the vassal)"),
            o("exec-post-stop", LIST, VASSAL, "", "", "command run like exec-pre after the vassal's last worker is gone on a stop or removal (repeatable, in order; a failure is logged)"),
            o("exec-timeout", DURATION, VASSAL, "60", "", "seconds an exec-pre or exec-post-stop command may run before its process group is killed"),
            o("env", LIST, VASSAL, "", "env", "KEY=VALUE for the workers' environment (repeatable)"),
            o("chdir", PATH, VASSAL, "", "chdir", "working directory (default: the folder of the vassal file)"),
            o("stop-signal", SIGNAL, VASSAL, "SIGTERM", "", "signal that asks a worker to stop (SIGINT for a uwsgi vassal)"),
            o("reload-signal", SIGNAL, VASSAL, "", "", "signal that asks a worker to reload in place (default: replace it)"),
            o("reload-mercy", DURATION, VASSAL, "10", "reload-mercy", "seconds from the stop signal to SIGKILL"),
            o("ready-after", DURATION, VASSAL, "2", "", "seconds a worker must stay up to count as started"),
            o("max-fast-failures", INT, VASSAL, "10", "", "fast failures in a row before the vassal is failed (0: never)"),
            o("touch-reload", LIST, VASSAL, "", "touch-reload", "reload when this file's modification time changes (repeatable)"),
            o("reload-on-rss", INT, VASSAL, "0", "reload-on-rss", "replace a worker whose resident memory passes this many MB (0: never)"),
            o("logto", PATH, VASSAL, "", "logto", "file for the workers' stdout and stderr (default: RUN_DIR/logs/NAME.log)"),
            o("log-maxsize", SIZE, VASSAL, "0", "log-maxsize", "rotate the log before it passes this size (0: never)"),
            o("log-timestamp", BOOL, VASSAL, "false", "", "start each line of the log with its time (ISO-8601 UTC, ms)"),
            o("log-journal", BOOL, VASSAL, "false", "", "send the workers' output to the systemd journal (journalctl -t NAME); the log file is then written only with logto, or when there is no journal"),
            o("uid", STRING, VASSAL, "", "uid", "user to run the workers as (name or number; the emperor must run as root)"),
            o("gid", STRING, VASSAL, "", "gid", "group to run the workers as (name or number; the emperor must run as root)"),
            o("umask", OCTAL, VASSAL, "", "umask", "file mode creation mask of the workers, e.g. 022"),
            o("limit-nofile", INT, VASSAL, "", "max-fd", "maximum open files per worker (RLIMIT_NOFILE)"),
            o("limit-nproc", INT, VASSAL, "", "limit-nproc", "maximum processes of the workers' user (RLIMIT_NPROC)"),
            o("limit-as", INT, VASSAL, "", "limit-as", "maximum address space per worker in MB (RLIMIT_AS)"),
            o("limit-core", SIZE, VASSAL, "", "", "maximum core dump size (RLIMIT_CORE)"),
            o("heartbeat", DURATION, VASSAL, "0", "heartbeat", "seconds between the agent's heartbeats (0: none expected)"),
            o("agent", BOOL, VASSAL, "false", "", "inject the agent bridge into the workers' JVMs"),
            o("restart-on-deadlock", BOOL, VASSAL, "false", "", "restart a worker whose agent reports deadlocked threads twice in a row"),
            o("heartbeat-grace", DURATION, VASSAL, "60", "", "seconds a new worker may take to send its first heartbeat"),
            // the emperor's own settings
            o("emperor", LIST, EMPEROR, "", "emperor", "a directory or glob of vassal files to watch (repeatable)"),
            o("run-dir", PATH, EMPEROR, "/run/emperor for root, else $XDG_RUNTIME_DIR/emperor, else /tmp/emperor-$UID", "", "sockets, lock and default logs; refused when a link, another user's, or writable by others"),
            o("state-dir", PATH, EMPEROR, "$STATE_DIRECTORY, else /var/lib/emperor for root, else $XDG_STATE_HOME/emperor or ~/.local/state/emperor", "", "where the vassals stopped with 'emperor stop' are remembered; refused when a link, another user's, or writable by others"),
            o("stats", STRING, EMPEROR, "", "", "HOST:PORT of the /stats, /metrics and dashboard HTTP server"),
            o("stats-actions", BOOL, EMPEROR, "false", "", "offer reload/restart/stop/start and thread dumps on the dashboard to the emperor's user and root, from loopback only (read at start)"),
            o("throttle", DURATION, EMPEROR, "1000", "emperor-throttle", "milliseconds of delay after a vassal's first fast failure (doubles each time)"),
            o("max-throttle", DURATION, EMPEROR, "180000", "emperor-max-throttle", "milliseconds the restart delay never exceeds"),
            o("rescan", DURATION, EMPEROR, "10", "emperor-freq", "seconds between full rescans of the vassal directories (inotify does the rest)"),
            o("required-heartbeat", DURATION, EMPEROR, "30", "emperor-required-heartbeat", "seconds of heartbeat silence after which a worker is restarted"),
            o("vassal-set", LIST, EMPEROR, "", "vassal-set", "KEY=VALUE given to every vassal as a default its own file overrides (repeatable)"),
            o("vassals-include", LIST, EMPEROR, "", "vassals-include", "a file whose options every vassal gets as defaults its own file overrides (repeatable)"),
            o("strict", BOOL, EMPEROR, "", "", "refuse vassal files, dirs and includes writable by others (default: true for root, else false)"),
            o("tyrant", BOOL, EMPEROR, "false", "emperor-tyrant", "run each vassal as its file's owner; uid/gid that differ are refused"),
            o("on-event", LIST, EMPEROR, "", "", "[EVENT[,EVENT...]:] COMMAND run as the emperor's user when a vassal enters a crash loop (crash-loop), gives up (failed), has a hung worker killed (hung-killed), gets an unusable file (config-invalid) or runs again (recovered); no filter: every event (repeatable)"),
            o("on-event-timeout", DURATION, EMPEROR, "30", "", "seconds an on-event command may run before its process group is killed"),
            o("verbose", BOOL, EMPEROR, "false", "", "log every scan and every worker event")));

    private final Map<String, OptionSpec> byName = new LinkedHashMap<>();
    private final Map<String, OptionSpec> byAlias = new LinkedHashMap<>();

    private Schema(List<OptionSpec> options) {
        for (OptionSpec o : options) {
            if (byName.put(o.name(), o) != null) throw new IllegalArgumentException("duplicate option " + o.name());
        }
        for (OptionSpec o : options) {
            if (o.hasAlias() && (byName.containsKey(o.uwsgi()) || byAlias.put(o.uwsgi(), o) != null)) {
                throw new IllegalArgumentException("alias " + o.uwsgi() + " of " + o.name() + " is taken");
            }
        }
    }

    private static OptionSpec o(String name, OptionType type, Scope scope, String dflt, String uwsgi, String help) {
        return new OptionSpec(name, type, scope, dflt, uwsgi, help);
    }

    /** The options Emperor knows. */
    public static Schema standard() {
        return STANDARD;
    }

    /** Every known option, vassal options first, in a stable order. */
    public List<OptionSpec> options() {
        return List.copyOf(byName.values());
    }

    /** The option of that name, or whose uWSGI alias it is ({@code emperor-throttle} is {@code throttle}). */
    public Optional<OptionSpec> find(String name) {
        OptionSpec spec = byName.get(name);
        return Optional.ofNullable(spec != null ? spec : byAlias.get(name));
    }

    /** The option of that exact name (no alias): for code that asks by the name it was written with. */
    public OptionSpec get(String name) {
        OptionSpec spec = byName.get(name);
        if (spec == null) throw new IllegalArgumentException("no option '" + name + "' in the schema");
        return spec;
    }

    /** Options of one scope (BOTH counts for either). */
    public List<OptionSpec> options(Scope scope) {
        return byName.values().stream()
                .filter(o -> switch (scope) {
                    case BOTH -> o.scope() == Scope.BOTH;
                    case VASSAL -> o.scope().vassal();
                    case EMPEROR -> o.scope().emperor();
                })
                .toList();
    }

    /** " (did you mean 'x'?)" when an option of {@code scope} is within two edits of {@code key}, else "". */
    public String suggestion(String key, Scope scope) {
        List<String> names = new java.util.ArrayList<>();
        for (OptionSpec o : options(scope)) {
            names.add(o.name());
            if (o.hasAlias()) names.add(o.uwsgi()); // a near miss of uWSGI's name is meant as that
        }
        return closest(key, names).map(n -> " (did you mean '" + n + "'?)").orElse("");
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
        StringBuilder sb = new StringBuilder("| option | type | scope | default | uWSGI | what it does |\n"
                + "|---|---|---|---|---|---|\n");
        for (OptionSpec o : byName.values()) {
            sb.append("| `").append(o.name()).append("` | ").append(o.type().displayName()).append(" | ")
                    .append(o.scope().name().toLowerCase(Locale.ROOT)).append(" | ")
                    .append(o.defaultValue().isEmpty() ? "" : "`" + o.defaultValue() + "`").append(" | ")
                    .append(o.uwsgi().isEmpty() ? "" : "`" + o.uwsgi() + "`").append(" | ")
                    .append(o.help().replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }

    /** The table for a terminal ({@code emperor config options}): aligned columns, one option a line. */
    public String textTable() {
        List<String[]> rows = new java.util.ArrayList<>();
        rows.add(new String[] {"OPTION", "TYPE", "SCOPE", "DEFAULT", "UWSGI", "WHAT IT DOES"});
        for (OptionSpec o : byName.values()) {
            rows.add(new String[] {o.name(), o.type().displayName(), o.scope().name().toLowerCase(Locale.ROOT),
                o.defaultValue().isEmpty() ? "-" : o.defaultValue(), o.uwsgi().isEmpty() ? "-" : o.uwsgi(), o.help()});
        }
        int[] width = new int[5];
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) width[i] = Math.max(width[i], r[i].length());
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) sb.append(r[i]).append(" ".repeat(width[i] - r[i].length() + 2));
            sb.append(r[5]).append('\n');
        }
        return sb.toString();
    }
}
