package dev.emperor.cli;

import com.codahale.metrics.MetricRegistry;
import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader;
import dev.emperor.config.OptionModel;
import dev.emperor.config.OptionSources;
import dev.emperor.config.OptionValue;
import dev.emperor.config.Origin;
import dev.emperor.config.schema.ConfigChecker;
import dev.emperor.config.schema.OptionSpec;
import dev.emperor.config.schema.OptionType;
import dev.emperor.config.schema.Schema;
import dev.emperor.control.ControlServer;
import dev.emperor.daemon.Emperor;
import dev.emperor.daemon.EmperorEvent;
import dev.emperor.daemon.EmperorSettings;
import dev.emperor.logging.LogSetup;
import dev.emperor.monitor.VassalSource;
import dev.emperor.stats.StatsDocument;
import dev.emperor.stats.StatsServer;
import dev.emperor.trust.FileTrust;
import dev.emperor.trust.TrustVerdict;
import dev.emperor.vassal.Throttle;
import dev.emperor.vassal.process.LaunchException;
import dev.emperor.vassal.process.ChildReaper;
import dev.emperor.vassal.process.OutputPump;
import dev.emperor.vassal.process.WorkerLauncher;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code emperor run DIR|GLOB...}: the foreground daemon. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Supervise the vassal files in DIR (or matching GLOB) until SIGINT or SIGTERM.")
final class RunCommand implements Callable<Integer> {

    private static final System.Logger LOG = System.getLogger("emperor");

    @Parameters(arity = "0..*", paramLabel = "DIR|GLOB", description = "Directories or globs of vassal files"
            + " (also 'emperor = DIR' in a settings file).")
    List<String> sources = new ArrayList<>();

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "Sockets, lock and default logs (default: /run/emperor for root, else $XDG_RUNTIME_DIR/emperor, else /tmp/emperor-$UID).")
    Path runDir;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where what outlives the emperor is kept: the vassals an operator stopped (default:"
                    + " $STATE_DIRECTORY, else /var/lib/emperor for root, else $XDG_STATE_HOME/emperor or"
                    + " ~/.local/state/emperor).")
    Path stateDir;

    @Option(names = "--stats", paramLabel = "HOST:PORT", description = "Serve /stats, /metrics and a dashboard over HTTP.")
    String stats;

    @Option(names = "--throttle", paramLabel = "MS",
            description = "Delay after a vassal's first fast failure; doubles each time (default 1000).")
    Long throttleMs;

    @Option(names = "--max-throttle", paramLabel = "MS", description = "Longest delay between tries (default 180000).")
    Long maxThrottleMs;

    @Option(names = "--rescan", paramLabel = "SECONDS",
            description = "Safety-net rescan period on top of kernel file notifications (default 10).")
    Double rescanSeconds;

    @Option(names = "--required-heartbeat", paramLabel = "SECONDS",
            description = "Heartbeat silence after which a worker that reported before is hung and restarted"
                    + " (default 30; never less than two of the vassal's heartbeat intervals).")
    Double requiredHeartbeatSeconds;

    @Option(names = "--vassal-set", paramLabel = "KEY=VALUE",
            description = "Give every vassal this option, unless its own file sets it (repeatable).")
    List<String> vassalSet = new ArrayList<>();

    @Option(names = "--vassals-include", paramLabel = "FILE",
            description = "Give every vassal the options of FILE, unless its own file sets them (repeatable).")
    List<String> vassalsInclude = new ArrayList<>();

    @Option(names = {"--ini", "--yaml", "--yml", "--json", "--xml"}, paramLabel = "FILE",
            description = "Read the emperor's settings from FILE (section [emperor]); the command line wins over"
                    + " EMPEROR_* variables, which win over the file.")
    List<String> settingsFiles = new ArrayList<>();

    @Option(names = {"-v", "--verbose"}, description = "Log debug detail too.")
    boolean verbose;

    @Option(names = "--stats-actions", description = "Offer reload/restart/stop/start and thread dumps on the"
            + " dashboard to the emperor's user and root, from loopback only.")
    boolean statsActions;

    /** What the settings' trust checks found, logged once logging is set up (or with a reload). */
    private final List<String> startWarnings = new ArrayList<>();
    /** The directories and globs watched, as the last read of the settings gave them (for the log). */
    private List<String> watching = List.of();

    @Override
    public Integer call() throws Exception {
        EmperorSettings settings = settings();
        LogSetup.configure(verbose);
        startWarnings.forEach(w -> LOG.log(Level.WARNING, w));
        try (RunDir dir = RunDir.acquire(settings.runDir());
             OutputPump pump = new OutputPump();
             ChildReaper reaper = new ChildReaper()) {
            WorkerLauncher launcher;
            try {
                launcher = WorkerLauncher.install(dir.path().resolve("bin"), pump); // the checked real path
            } catch (LaunchException e) {
                throw new EmperorCommand.UserError(e.getMessage(), 2);
            }
            try (launcher) {
                return supervise(settings, dir, launcher, reaper, pump);
            }
        }
    }

    /** Runs the emperor until it stops; every worker is stopped when this returns. */
    private int supervise(EmperorSettings settings, RunDir dir, WorkerLauncher launcher, ChildReaper reaper,
                          OutputPump pump)
            throws Exception {
        MetricRegistry metrics = new MetricRegistry();
        Emperor emperor = new Emperor(settings, this::reread, launcher, reaper, ConfigLoader.withSystemEnvironment(),
                metrics, Version.current());
        java.util.function.Function<String, String> handler = request -> control(emperor, metrics, pump, request);
        StatsServer statsServer = null;
        if (settings.stats().isPresent()) {
            try {
                // the dashboard's actions, when on, go through the control socket's own handler
                statsServer = new StatsServer(settings.stats().get(), emperor::snapshot, metrics, emperor.handlerErrors(),
                        settings.statsActions() ? java.util.Optional.of(request -> emperor.settings().statsActions()
                                ? handler.apply(request)
                                : "error: the dashboard's actions were turned off (stats-actions = false)\n")
                                : java.util.Optional.empty());
            } catch (IOException e) {
                throw new EmperorCommand.UserError("cannot serve stats on " + stats + ": " + e.getMessage(), 2);
            }
        }
        ControlServer control = new ControlServer(settings.controlSocket(), handler, emperor.handlerErrors());
        Signals.install(emperor, pump::reopenAll);
        LOG.log(Level.INFO, "emperor " + Version.current() + " (pid " + ProcessHandle.current().pid()
                + ") watching " + String.join(", ", watching) + "; run dir " + dir.path());
        emperor.start();
        control.start();
        if (statsServer != null) statsServer.start();
        int code = emperor.exitCode().join();
        if (statsServer != null) statsServer.close();
        control.close();
        return code;
    }

    private static String control(Emperor emperor, MetricRegistry metrics, OutputPump pump, String request) {
        try {
            if (request.equals("reopen-logs")) {
                pump.reopenAll();
                return "the logs of running workers are reopened at their next line\n";
            }
            if (request.equals("status")) {
                return StatusAnswer.text(StatsDocument.json(emperor.snapshot().get(10, TimeUnit.SECONDS), metrics));
            }
            if (request.startsWith("status ")) {
                return StatusAnswer.oneVassal(StatsDocument.json(emperor.snapshot().get(10, TimeUnit.SECONDS), metrics),
                        request.substring(7).strip());
            }
            if (request.startsWith("restart ")) {
                var reply = new java.util.concurrent.CompletableFuture<String>();
                emperor.post(new EmperorEvent.Restart(request.substring(8).strip(), reply));
                return reply.get(10, TimeUnit.SECONDS) + "\n";
            }
            if (request.startsWith("stop ")) {
                var reply = new java.util.concurrent.CompletableFuture<String>();
                emperor.post(new EmperorEvent.Stop(request.substring(5).strip(), reply));
                return reply.get(10, TimeUnit.SECONDS) + "\n";
            }
            if (request.startsWith("start ")) {
                var reply = new java.util.concurrent.CompletableFuture<String>();
                emperor.post(new EmperorEvent.Start(request.substring(6).strip(), reply));
                return reply.get(10, TimeUnit.SECONDS) + "\n";
            }
            if (request.equals("reload-emperor")) {
                var reply = new java.util.concurrent.CompletableFuture<String>();
                emperor.post(new EmperorEvent.ReloadEmperor(reply));
                return reply.get(30, TimeUnit.SECONDS) + "\n";
            }
            if (request.equals("reload-all")) {
                var reply = new java.util.concurrent.CompletableFuture<String>();
                emperor.post(new EmperorEvent.Reload(null, reply));
                return reply.get(10, TimeUnit.SECONDS) + "\n";
            }
            if (request.startsWith("reload ")) {
                var reply = new java.util.concurrent.CompletableFuture<String>();
                emperor.post(new EmperorEvent.Reload(request.substring(7).strip(), reply));
                return reply.get(10, TimeUnit.SECONDS) + "\n";
            }
            return "error: unknown request '" + request + "'\n";
        } catch (Exception e) {
            return "error: the emperor did not answer within 10 s (" + e.getClass().getSimpleName()
                    + "); its event loop may be stuck: `jcmd " + ProcessHandle.current().pid()
                    + " Thread.print` shows where\n";
        }
    }

    /**
     * The settings read again for a reload: the same files (read anew), environment and flags
     * as at start. A problem is an answer, not an exception: the emperor keeps running as it is.
     */
    private dev.emperor.daemon.SettingsSource.Result reread() {
        startWarnings.clear();
        try {
            EmperorSettings next = settings();
            return new dev.emperor.daemon.SettingsSource.Read(next, settingsFiles, startWarnings);
        } catch (EmperorCommand.UserError e) {
            return new dev.emperor.daemon.SettingsSource.Broken(List.of(e.getMessage().split("\n")));
        } catch (RuntimeException e) { // a bug, not the file's fault: the emperor runs on as it is
            LOG.log(Level.ERROR, "internal error reading the emperor's settings again (a bug: please report it)", e);
            return new dev.emperor.daemon.SettingsSource.Broken(List.of("internal error reading the settings: " + e));
        }
    }

    /**
     * The emperor's settings from its three sources, weakest first: settings files, then
     * EMPEROR_* variables, then the command line. A vassal option among them is refused with
     * the reason (it would not reach any vassal).
     */
    EmperorSettings settings() {
        ConfigLoader loader = ConfigLoader.withSystemEnvironment();
        List<OptionValue> fromFiles = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String file : settingsFiles) {
            try {
                ConfigLoader.LoadedConfig c = loader.loadEmperor(Path.of(file));
                new ConfigChecker().checkEmperor(c).forEach(e -> problems.add(e.toString()));
                fromFiles.addAll(c.options().values());
            } catch (ConfigException e) {
                e.errors().forEach(err -> problems.add(err.toString()));
            }
        }
        OptionModel env = OptionSources.fromEnvironment(System.getenv());
        for (OptionValue v : env.values()) {
            Schema.standard().find(v.key()).flatMap(spec -> spec.type().problem(v.value()))
                    .ifPresent(p -> problems.add(v.origin() + ": " + v.key() + ": " + p + ", found '" + v.value() + "'"));
        }
        List<OptionValue> argv = new ArrayList<>();
        Origin cli = Origin.of(Path.of("argv"));
        if (runDir != null) argv.add(new OptionValue("run-dir", runDir.toString(), cli));
        if (stats != null) argv.add(new OptionValue("stats", stats, cli));
        if (throttleMs != null) argv.add(new OptionValue("throttle", throttleMs.toString(), cli));
        if (maxThrottleMs != null) argv.add(new OptionValue("max-throttle", maxThrottleMs.toString(), cli));
        if (stateDir != null) argv.add(new OptionValue("state-dir", stateDir.toString(), cli));
        if (statsActions) argv.add(new OptionValue("stats-actions", "true", cli));
        if (rescanSeconds != null) argv.add(new OptionValue("rescan", rescanSeconds.toString(), cli));
        if (requiredHeartbeatSeconds != null) {
            argv.add(new OptionValue("required-heartbeat", requiredHeartbeatSeconds.toString(), cli));
        }
        vassalSet.forEach(v -> argv.add(new OptionValue("vassal-set", v, cli)));
        vassalsInclude.forEach(v -> argv.add(new OptionValue("vassals-include", v, cli)));
        if (!problems.isEmpty()) throw new EmperorCommand.UserError(String.join("\n", problems), 2);
        // uWSGI's names (emperor-throttle, ...) are the same options: one name each from here on
        OptionModel all = canonical(OptionSources.merge(new OptionModel(fromFiles), env, new OptionModel(argv)));

        List<VassalSource> list = new ArrayList<>();
        List<String> specs = new ArrayList<>();
        all.all("emperor").forEach(v -> specs.add(v.value()));
        specs.addAll(sources);
        if (specs.isEmpty()) throw new EmperorCommand.UserError("no vassal directory: give DIR|GLOB (or 'emperor = DIR'"
                + " in a settings file)", 2);
        for (String spec : specs) {
            VassalSource src;
            try {
                src = VassalSource.parse(spec);
            } catch (IllegalArgumentException e) {
                throw new EmperorCommand.UserError(e.getMessage(), 2);
            }
            if (!Files.isDirectory(src.directory())) {
                throw new EmperorCommand.UserError(spec + ": no such directory (" + src.directory() + ")", 2);
            }
            list.add(src);
        }
        watching = List.copyOf(specs);
        long throttle = Math.round(decimal(all, "throttle"));
        long maxThrottle = Math.round(decimal(all, "max-throttle"));
        double rescan = decimal(all, "rescan");
        double required = decimal(all, "required-heartbeat");
        if (throttle < 0 || maxThrottle < 0) throw new EmperorCommand.UserError("throttle must be >= 0", 2);
        if (!(rescan > 0)) throw new EmperorCommand.UserError("rescan must be > 0 seconds", 2);
        if (!(required > 0)) throw new EmperorCommand.UserError("required-heartbeat must be > 0 seconds", 2);
        Path rd = all.last("run-dir").map(v -> Path.of(v.value())).orElseGet(RunDir::defaultPath).toAbsolutePath()
                .normalize();
        List<OptionValue> inherited = new ArrayList<>(all.all("vassals-include"));
        inherited.addAll(all.all("vassal-set"));
        for (OptionValue v : all.all("vassal-set")) {
            if (v.value().indexOf('=') <= 0) {
                throw new EmperorCommand.UserError(v.origin() + ": vassal-set: expected KEY=VALUE, found '" + v.value()
                        + "'", 2);
            }
        }
        verbose = verbose || bool(all, "verbose"); // -v wins; else the settings say, as any bool reads
        FileTrust trust = trust(all, list, inherited);
        Path state = dev.emperor.daemon.StateDir.locate(all.last("state-dir").map(v -> Path.of(v.value())),
                System.getenv(), RunDir.uid());
        return new EmperorSettings(list, rd, new Throttle(Duration.ofMillis(throttle), Duration.ofMillis(maxThrottle)),
                Duration.ofMillis(Math.round(rescan * 1000)), all.last("stats").map(v -> address(v.value())),
                Duration.ofMillis(Math.round(required * 1000)), new OptionModel(inherited), trust, state,
                bool(all, "stats-actions"), onEvent(all));
    }

    /** The {@code on-event} hooks; a line that does not parse is an error naming its file and line. */
    private static dev.emperor.hooks.HookSettings onEvent(OptionModel all) {
        List<dev.emperor.hooks.OnEvent> hooks = new ArrayList<>();
        for (OptionValue v : all.all("on-event")) {
            try {
                hooks.add(dev.emperor.hooks.OnEvent.parse(v.value()));
            } catch (IllegalArgumentException e) {
                throw new EmperorCommand.UserError(v.origin() + ": on-event: " + e.getMessage(), 2);
            }
        }
        double timeout = decimal(all, "on-event-timeout");
        if (!(timeout > 0)) throw new EmperorCommand.UserError("on-event-timeout must be > 0 seconds", 2);
        return new dev.emperor.hooks.HookSettings(hooks, Duration.ofMillis(Math.round(timeout * 1000)));
    }

    /**
     * Strict and tyrant mode, and their verdict on what the emperor reads at start: a vassals
     * directory, a settings file or a vassals-include file that someone else controls is
     * refused (strict) or used with a warning.
     */
    private FileTrust trust(OptionModel all, List<VassalSource> dirs, List<OptionValue> inherited) {
        boolean tyrant = bool(all, "tyrant");
        FileTrust.settingsProblem(tyrant).ifPresent(p -> {
            throw new EmperorCommand.UserError(p, 2);
        });
        Optional<Boolean> strict = all.last("strict").isPresent() ? Optional.of(bool(all, "strict")) : Optional.empty();
        FileTrust trust = FileTrust.forThisProcess(strict, tyrant);
        List<String> refused = new ArrayList<>();
        for (VassalSource src : dirs) judge(trust.checkDirectory(src.directory()), "vassal directory", refused);
        for (String file : settingsFiles) judge(trust.checkEmperorFile(Path.of(file)), "settings file", refused);
        for (OptionValue v : inherited) {
            if (v.key().equals("vassals-include")) judge(trust.checkEmperorFile(Path.of(v.value())), "vassals-include", refused);
        }
        if (!refused.isEmpty()) throw new EmperorCommand.UserError(String.join("\n", refused), 2);
        return trust;
    }

    private void judge(TrustVerdict verdict, String what, List<String> refused) {
        if (!verdict.usable()) {
            refused.add("refusing " + what + " " + verdict.path() + " (strict mode): " + String.join("; ", verdict.problems()));
        } else {
            verdict.problems().forEach(p -> startWarnings.add(what + " " + verdict.path() + ": " + p));
        }
    }

    /** Every option under its own name: a uWSGI alias ({@code emperor-throttle}) becomes the schema's name. */
    private static OptionModel canonical(OptionModel all) {
        List<OptionValue> out = new ArrayList<>();
        for (OptionValue v : all.values()) {
            String name = Schema.standard().find(v.key()).map(OptionSpec::name).orElse(v.key());
            out.add(name.equals(v.key()) ? v : new OptionValue(name, v.value(), v.origin()));
        }
        return new OptionModel(out);
    }

    /** A number option (fractions allowed), or the schema's default; a wrong value is the user's error, with its origin. */
    private static double decimal(OptionModel all, String key) {
        OptionSpec spec = Schema.standard().get(key);
        return all.last(key).map(v -> OptionType.parseNumber(v.value()).orElseThrow(() -> new EmperorCommand.UserError(
                v.origin() + ": " + v.key() + ": " + spec.type().problem(v.value()).orElse("expected a number")
                        + ", found '" + v.value() + "'", 2)))
                .orElseGet(() -> OptionType.parseNumber(spec.defaultValue()).orElseThrow());
    }

    /** A bool option read as uWSGI reads it (true/yes/on/1, false/no/off/0), or the schema's default. */
    private static boolean bool(OptionModel all, String key) {
        OptionSpec spec = Schema.standard().get(key);
        return all.last(key).map(v -> OptionType.parseBool(v.value()).orElseThrow(() -> new EmperorCommand.UserError(
                v.origin() + ": " + v.key() + ": expected a boolean (" + OptionType.BOOL_WORDS + "), found '"
                        + v.value() + "'", 2)))
                .orElseGet(() -> OptionType.parseBool(spec.defaultValue()).orElse(false));
    }

    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) throw new EmperorCommand.UserError("--stats wants HOST:PORT, got '" + hostPort + "'", 2);
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (port < 0 || port > 65535) throw new NumberFormatException();
            return new InetSocketAddress(host.isEmpty() ? "127.0.0.1" : host, port);
        } catch (NumberFormatException e) {
            throw new EmperorCommand.UserError("--stats: bad port in '" + hostPort + "'", 2);
        }
    }
}
