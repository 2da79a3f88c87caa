package dev.emperor.daemon;

import dev.emperor.agent.WorkerEnvironment;
import dev.emperor.daemon.EmperorEvent.ForVassal;
import dev.emperor.vassal.Cancellable;
import dev.emperor.vassal.Vassal;
import dev.emperor.vassal.VassalEvent;
import dev.emperor.vassal.VassalHost;
import dev.emperor.vassal.VassalState;
import dev.emperor.vassal.process.ChildReaper;
import dev.emperor.vassal.process.ExitStatus;
import dev.emperor.vassal.process.LaunchException;
import dev.emperor.vassal.process.LaunchSpec;
import dev.emperor.vassal.process.LogTarget;
import dev.emperor.vassal.process.Posix;
import dev.emperor.vassal.process.Signal;
import dev.emperor.vassal.process.WorkerLauncher;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What vassals see of the emperor: the loop's timers, the launcher and reaper, signals, their
 * logs, worker environments with a fresh agent token, and metrics. Every call happens on the
 * loop. A vassal that reaches {@code stopped} is not removed here (that would change the
 * table inside the vassal's handler): a {@link EmperorEvent.VassalStopped} is posted instead.
 */
final class LoopHost implements VassalHost {

    private static final System.Logger LOG = System.getLogger("emperor");
    /** Rotated logs kept beside the current one ({@code NAME.log.1} .. {@code .5}). */
    private static final int LOG_FILES_KEPT = 5;

    private final EventLoop loop;
    private final WorkerLauncher launcher;
    private final ChildReaper reaper;
    private final VassalMetrics metrics;
    private final AgentGate gate;
    private final Map<String, String> baseEnvironment;
    private final Path agentSocket;
    private final Map<String, LogTarget> logs = new HashMap<>();
    /** Whether a vassal is the live one of its name (a stopped predecessor publishes nothing). */
    private Predicate<Vassal> current = v -> true;
    /** Where alerts go ({@code on-event} hooks); it must only queue them. */
    private java.util.function.Consumer<dev.emperor.vassal.VassalAlert> alerts = a -> { };

    LoopHost(EventLoop loop, WorkerLauncher launcher, ChildReaper reaper, VassalMetrics metrics, AgentGate gate,
             Map<String, String> baseEnvironment, Path agentSocket) {
        this.loop = loop;
        this.launcher = launcher;
        this.reaper = reaper;
        this.metrics = metrics;
        this.gate = gate;
        this.baseEnvironment = Map.copyOf(baseEnvironment);
        this.agentSocket = agentSocket;
    }

    void currentVassals(Predicate<Vassal> current) {
        this.current = current;
    }

    /** Hands every vassal's alerts to {@code alerts}, which must return at once (it runs on the loop). */
    void onAlert(java.util.function.Consumer<dev.emperor.vassal.VassalAlert> alerts) {
        this.alerts = alerts;
    }

    /** Forgets a stopped vassal's log target. */
    void forget(String vassal) {
        logs.remove(vassal);
    }

    @Override
    public Cancellable schedule(Vassal vassal, Duration delay, VassalEvent event) {
        return loop.schedule(delay, new ForVassal(vassal, event));
    }

    @Override
    public Cancellable scheduleCoarse(Vassal vassal, Duration delay, VassalEvent event) {
        return loop.scheduleCoarse(delay, new ForVassal(vassal, event));
    }

    @Override
    public void telemetry(Vassal vassal, int workerId, Map<String, Number> telemetry) {
        // nothing: the telemetry stays in the worker's status, and /metrics renders it from snapshots
    }

    @Override
    public WorkerLauncher.Launched launch(LaunchSpec spec) throws LaunchException {
        try {
            WorkerLauncher.Launched launched = launcher.start(spec);
            metrics.spawns.inc();
            // A numeric uid (tyrant mode pins one) is known now; a name is learnt at the agent's hello.
            spec.limits().uid().filter(u -> u.chars().allMatch(Character::isDigit) && u.length() < 10)
                    .ifPresent(u -> gate.trustWorkerUid(Long.parseLong(u)));
            return launched;
        } catch (LaunchException e) {
            metrics.spawnFailures.inc();
            throw e;
        }
    }

    @Override
    public void watchExit(Vassal vassal, int workerId, long pid) {
        try {
            reaper.watch(pid, (p, exit) -> {
                launcher.exited(p, exit); // the exit marker in the vassal's log, after its last lines
                loop.post(new ForVassal(vassal, new VassalEvent.WorkerExited(workerId, p, exit)));
            });
        } catch (IllegalStateException e) {
            // Unwatchable (out of descriptors) means unsupervised: stop it rather than lose it.
            LOG.log(Level.ERROR, vassal.name() + ": " + e.getMessage() + "; killing pid " + pid);
            Posix.killGroup(pid, Signal.KILL);
            reaper.reapQuietly(pid);
            launcher.exited(pid, ExitStatus.killedBy(Signal.KILL.number()));
            loop.post(new ForVassal(vassal, new VassalEvent.WorkerExited(workerId, pid,
                    ExitStatus.killedBy(Signal.KILL.number()))));
        }
    }

    @Override
    public void signalGroup(long pgid, Signal signal) {
        try {
            Posix.killGroup(pgid, signal);
        } catch (IllegalStateException e) {
            LOG.log(Level.ERROR, e.getMessage());
        }
    }

    @Override
    public void signal(long pid, Signal signal) {
        try {
            Posix.kill(pid, signal);
        } catch (IllegalStateException e) {
            LOG.log(Level.ERROR, e.getMessage());
        }
    }

    @Override
    public void alert(Vassal vassal, dev.emperor.vassal.VassalAlert alert) {
        if (current.test(vassal)) alerts.accept(alert); // a replaced predecessor's news is stale
    }

    @Override
    public void changed(Vassal vassal) {
        if (!current.test(vassal)) return;
        if (vassal.state() == VassalState.STOPPED) loop.post(new EmperorEvent.VassalStopped(vassal));
    }

    @Override
    public Map<String, String> baseEnvironment(String vassalName, int workerId) {
        Map<String, String> env = new HashMap<>(baseEnvironment);
        String token = gate.issueToken(vassalName, workerId);
        env.putAll(new WorkerEnvironment(vassalName, workerId, Optional.of(agentSocket.toString()), Optional.of(token))
                .toVariables());
        return env;
    }

    @Override
    public LogTarget logTarget(String vassalName, Path file, long maxBytes) {
        LogTarget t = logs.get(vassalName);
        if (t == null || !t.file().equals(file.toAbsolutePath().normalize()) || t.maxBytes() != maxBytes) {
            t = new LogTarget(file, maxBytes, LOG_FILES_KEPT);
            logs.put(vassalName, t);
        }
        return t;
    }

    @Override
    public boolean isStopped(long pid) {
        char state = ProcStat.state(pid);
        return state == 'T' || state == 't';
    }

    @Override
    public String recentOutput(String vassalName, String prefix, long sinceWallMs) {
        LogTarget t = logs.get(vassalName);
        return t == null ? "" : t.recent(prefix, sinceWallMs);
    }

    @Override
    public long nowMillis() {
        return System.nanoTime() / 1_000_000;
    }

    @Override
    public long wallMillis() {
        return System.currentTimeMillis();
    }
}
