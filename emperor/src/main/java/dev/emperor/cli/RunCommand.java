package dev.emperor.cli;

import com.codahale.metrics.MetricRegistry;
import dev.emperor.config.ConfigLoader;
import dev.emperor.control.ControlServer;
import dev.emperor.daemon.Emperor;
import dev.emperor.daemon.EmperorEvent;
import dev.emperor.daemon.EmperorSettings;
import dev.emperor.logging.LogSetup;
import dev.emperor.monitor.VassalSource;
import dev.emperor.stats.StatsDocument;
import dev.emperor.stats.StatsServer;
import dev.emperor.vassal.Throttle;
import dev.emperor.vassal.process.LaunchException;
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

    @Parameters(arity = "1..*", paramLabel = "DIR|GLOB", description = "Directories or globs of vassal files.")
    List<String> sources = new ArrayList<>();

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "Sockets, lock and default logs (default: $XDG_RUNTIME_DIR/emperor, else /tmp/emperor-$UID).")
    Path runDir;

    @Option(names = "--stats", paramLabel = "HOST:PORT", description = "Serve /stats, /metrics and a dashboard over HTTP.")
    String stats;

    @Option(names = "--throttle", paramLabel = "MS", defaultValue = "1000",
            description = "Delay after a vassal's first fast failure; doubles each time (default ${DEFAULT-VALUE}).")
    long throttleMs;

    @Option(names = "--max-throttle", paramLabel = "MS", defaultValue = "180000",
            description = "Longest delay between tries (default ${DEFAULT-VALUE}).")
    long maxThrottleMs;

    @Option(names = "--rescan", paramLabel = "SECONDS", defaultValue = "10",
            description = "Safety-net rescan period on top of kernel file notifications (default ${DEFAULT-VALUE}).")
    double rescanSeconds;

    @Option(names = "--required-heartbeat", paramLabel = "SECONDS", defaultValue = "30",
            description = "Heartbeat silence after which a worker that reported before is hung and restarted"
                    + " (default ${DEFAULT-VALUE}; never less than two of the vassal's heartbeat intervals).")
    double requiredHeartbeatSeconds;

    @Option(names = {"-v", "--verbose"}, description = "Log debug detail too.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        LogSetup.configure(verbose);
        EmperorSettings settings = settings();
        try (RunDir dir = RunDir.acquire(settings.runDir());
             OutputPump pump = new OutputPump(settings.runDir().resolve("fifo"))) {
            WorkerLauncher launcher;
            try {
                launcher = WorkerLauncher.system(pump);
            } catch (LaunchException e) {
                throw new EmperorCommand.UserError(e.getMessage(), 2);
            }
            MetricRegistry metrics = new MetricRegistry();
            Emperor emperor = new Emperor(settings, launcher, ConfigLoader.withSystemEnvironment(), metrics,
                    Version.current());
            StatsServer statsServer = null;
            if (settings.stats().isPresent()) {
                try {
                    statsServer = new StatsServer(settings.stats().get(), emperor::snapshot, metrics);
                } catch (IOException e) {
                    throw new EmperorCommand.UserError("cannot serve stats on " + stats + ": " + e.getMessage(), 2);
                }
            }
            ControlServer control = new ControlServer(settings.controlSocket(), request -> control(emperor, metrics, request));
            Signals.install(emperor);
            LOG.log(Level.INFO, "emperor " + Version.current() + " (pid " + ProcessHandle.current().pid()
                    + ") watching " + String.join(", ", sources) + "; run dir " + dir.path());
            emperor.start();
            control.start();
            if (statsServer != null) statsServer.start();
            int code = emperor.exitCode().join();
            if (statsServer != null) statsServer.close();
            control.close();
            return code;
        }
    }

    private static String control(Emperor emperor, MetricRegistry metrics, String request) {
        try {
            if (request.equals("status")) {
                return StatsDocument.jsonText(emperor.snapshot().get(10, TimeUnit.SECONDS), metrics);
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
            return "error: the emperor did not answer (" + e + ")\n";
        }
    }

    private EmperorSettings settings() {
        List<VassalSource> list = new ArrayList<>();
        for (String s : sources) {
            VassalSource src;
            try {
                src = VassalSource.parse(s);
            } catch (IllegalArgumentException e) {
                throw new EmperorCommand.UserError(e.getMessage(), 2);
            }
            if (!Files.isDirectory(src.directory())) {
                throw new EmperorCommand.UserError(s + ": no such directory (" + src.directory() + ")", 2);
            }
            list.add(src);
        }
        if (throttleMs < 0 || maxThrottleMs < 0) throw new EmperorCommand.UserError("throttle must be >= 0", 2);
        if (!(rescanSeconds > 0)) throw new EmperorCommand.UserError("--rescan must be > 0 seconds", 2);
        if (!(requiredHeartbeatSeconds > 0)) throw new EmperorCommand.UserError("--required-heartbeat must be > 0", 2);
        Path rd = (runDir != null ? runDir : RunDir.defaultPath()).toAbsolutePath().normalize();
        return new EmperorSettings(list, rd, new Throttle(Duration.ofMillis(throttleMs), Duration.ofMillis(maxThrottleMs)),
                Duration.ofMillis(Math.round(rescanSeconds * 1000)), Optional.ofNullable(stats).map(RunCommand::address),
                Duration.ofMillis(Math.round(requiredHeartbeatSeconds * 1000)));
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
