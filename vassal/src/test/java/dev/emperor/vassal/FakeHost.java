package dev.emperor.vassal;

import dev.emperor.vassal.process.LaunchException;
import dev.emperor.vassal.process.LaunchSpec;
import dev.emperor.vassal.process.WorkerLauncher;
import dev.emperor.vassal.process.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link VassalHost} with no processes, no threads and no clock of its own: launches hand
 * out increasing pids (no process runs), timers are recorded so a test can fire them,
 * signals are recorded so a test can check them.
 */
final class FakeHost implements VassalHost {

    /** One call to {@link #schedule}; {@link #fire} delivers it as the real host would. */
    static final class Timer implements Cancellable {
        final Vassal vassal;
        final Duration delay;
        final VassalEvent event;
        boolean cancelled;
        boolean fired;

        Timer(Vassal vassal, Duration delay, VassalEvent event) {
            this.vassal = vassal;
            this.delay = delay;
            this.event = event;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        boolean pending() {
            return !cancelled && !fired;
        }

        void fire() {
            if (!pending()) throw new AssertionError("timer not pending: " + this);
            fired = true;
            vassal.handle(event);
        }

        @Override
        public String toString() {
            return event + " after " + delay + (cancelled ? " (cancelled)" : "") + (fired ? " (fired)" : "");
        }
    }

    record Launch(LaunchSpec spec, long pid) {
    }

    record Watch(int workerId, long pid) {
    }

    record Sent(long pgid, Signal signal) {
    }

    final List<Timer> timers = new ArrayList<>();
    final List<Launch> launches = new ArrayList<>();
    final List<Watch> watches = new ArrayList<>();
    final List<Sent> signals = new ArrayList<>();
    final List<VassalState> published = new ArrayList<>();
    final List<Path> logTargets = new ArrayList<>();
    /** Alerts told, in order. */
    final List<VassalAlert> alerts = new ArrayList<>();
    /** Launch failures to hand out before the next successful launches, in order. */
    final Deque<String> failures = new ArrayDeque<>();
    final Map<String, String> base = new LinkedHashMap<>(Map.of("PATH", "/usr/bin:/bin", "LANG", "C.UTF-8"));
    Throttle throttle = Throttle.DEFAULT;
    long now = 50_000;
    long wall = 1_700_000_000_000L;
    long nextPid = 1000;

    @Override
    public Cancellable schedule(Vassal vassal, Duration delay, VassalEvent event) {
        Timer t = new Timer(vassal, delay, event);
        timers.add(t);
        return t;
    }

    @Override
    public WorkerLauncher.Launched launch(LaunchSpec spec) throws LaunchException {
        if (!failures.isEmpty()) {
            throw new LaunchException(failures.removeFirst());
        }
        long pid = nextPid++;
        launches.add(new Launch(spec, pid));
        return new WorkerLauncher.Launched(pid, Path.of("/usr/bin", spec.argv().get(0)));
    }

    @Override
    public void watchExit(Vassal vassal, int workerId, long pid) {
        watches.add(new Watch(workerId, pid));
    }

    @Override
    public void signalGroup(long pgid, Signal signal) {
        signals.add(new Sent(pgid, signal));
    }

    @Override
    public void alert(Vassal vassal, VassalAlert alert) {
        alerts.add(alert);
    }

    @Override
    public void changed(Vassal vassal) {
        published.add(vassal.state());
    }

    @Override
    public Map<String, String> baseEnvironment(String vassalName, int workerId) {
        Map<String, String> env = new LinkedHashMap<>(base);
        env.put("EMPEROR_VASSAL", vassalName);
        env.put("EMPEROR_WORKER", Integer.toString(workerId));
        return env;
    }

    @Override
    public dev.emperor.vassal.process.LogTarget logTarget(String vassalName, Path file, long maxBytes) {
        logTargets.add(file);
        return new dev.emperor.vassal.process.LogTarget(file, maxBytes, 1); // opens nothing until written to
    }

    /** Signals sent to single processes (thread dumps), in order. */
    final List<String> pidSignals = new ArrayList<>();
    Duration requiredHeartbeat = Duration.ofSeconds(30);
    String recentOutput = "";

    @Override
    public boolean isStopped(long pid) {
        return false;
    }

    @Override
    public void signal(long pid, Signal signal) {
        pidSignals.add(pid + " " + signal);
    }

    @Override
    public String recentOutput(String vassalName, String prefix, long sinceWallMs) {
        return recentOutput;
    }

    /** What the emperor would hand every vassal, as set on this host now. */
    VassalDefaults defaults() {
        return new VassalDefaults(throttle, requiredHeartbeat, java.util.Optional.of(
                Path.of("/run/emperor-test/agent-bridge.jar")), Path.of("/run/emperor-test/logs"));
    }

    @Override
    public long nowMillis() {
        return now;
    }

    @Override
    public long wallMillis() {
        return wall;
    }

    // ---- queries for tests ----------------------------------------------------------------

    /** Timers not yet fired nor cancelled whose event is of {@code type}, in the order they were set. */
    <T extends VassalEvent> List<Timer> pending(Class<T> type) {
        return timers.stream().filter(Timer::pending).filter(t -> type.isInstance(t.event)).toList();
    }

    /** The one pending timer of {@code type} for {@code workerId}; fails if there is not exactly one. */
    Timer pendingFor(Class<? extends VassalEvent> type, int workerId) {
        List<Timer> found = pending(type).stream().filter(t -> workerOf(t.event) == workerId).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one pending " + type.getSimpleName() + " for worker " + workerId
                    + ", found " + found + " among " + timers);
        }
        return found.get(0);
    }

    static int workerOf(VassalEvent event) {
        return switch (event) {
            case VassalEvent.WorkerReady e -> e.workerId();
            case VassalEvent.StopDeadline e -> e.workerId();
            case VassalEvent.BackoffElapsed e -> e.workerId();
            case VassalEvent.WorkerExited e -> e.workerId();
            default -> -1;
        };
    }

    long lastPid() {
        return launches.get(launches.size() - 1).pid();
    }

    List<Sent> signalsSince(int index) {
        return List.copyOf(signals.subList(index, signals.size()));
    }
}
