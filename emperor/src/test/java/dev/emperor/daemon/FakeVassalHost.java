package dev.emperor.daemon;

import dev.emperor.vassal.Cancellable;
import dev.emperor.vassal.Vassal;
import dev.emperor.vassal.VassalEvent;
import dev.emperor.vassal.VassalHost;
import dev.emperor.vassal.VassalState;
import dev.emperor.vassal.process.LaunchSpec;
import dev.emperor.vassal.process.WorkerLauncher;
import dev.emperor.vassal.process.LogTarget;
import dev.emperor.vassal.process.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A {@link VassalHost} with no processes, no threads and a clock the test moves: launches
 * hand out increasing pids, signals are recorded, and a vassal that reaches {@code stopped}
 * is handed to {@link #onStopped} as the emperor's loop would hand it a VassalStopped event.
 */
final class FakeVassalHost implements VassalHost {

    record Launch(String vassal, LaunchSpec spec, long pid) {
    }

    record Sent(long pgid, Signal signal) {
    }

    final List<Launch> launches = new ArrayList<>();
    final List<Sent> signals = new ArrayList<>();
    final List<VassalEvent> timers = new ArrayList<>();
    Consumer<Vassal> onStopped = v -> { };
    long now = 10_000;
    long wall = 1_800_000_000_000L;
    private long nextPid = 5000;

    @Override
    public Cancellable schedule(Vassal vassal, Duration delay, VassalEvent event) {
        timers.add(event);
        return Cancellable.NONE;
    }

    @Override
    public WorkerLauncher.Launched launch(LaunchSpec spec) {
        long pid = nextPid++;
        launches.add(new Launch(spec.environment().get("EMPEROR_VASSAL"), spec, pid));
        return new WorkerLauncher.Launched(pid, Path.of("/usr/bin", spec.argv().get(0)));
    }

    @Override
    public void watchExit(Vassal vassal, int workerId, long pid) {
    }

    @Override
    public void signalGroup(long pgid, Signal signal) {
        signals.add(new Sent(pgid, signal));
    }

    @Override
    public void changed(Vassal vassal) {
        if (vassal.state() == VassalState.STOPPED) onStopped.accept(vassal);
    }

    @Override
    public Map<String, String> baseEnvironment(String vassalName, int workerId) {
        return Map.of("EMPEROR_VASSAL", vassalName, "EMPEROR_WORKER", Integer.toString(workerId));
    }

    @Override
    public LogTarget logTarget(String vassalName, Path file, long maxBytes) {
        return new LogTarget(file, maxBytes, 1); // opens nothing until written to
    }

    @Override
    public boolean isStopped(long pid) {
        return false;
    }

    @Override
    public void signal(long pid, Signal signal) {
    }

    @Override
    public String recentOutput(String vassalName, String prefix, long sinceWallMs) {
        return "";
    }

    @Override
    public long nowMillis() {
        return now;
    }

    @Override
    public long wallMillis() {
        return wall;
    }

    /** Pids launched for {@code vassal}, in order. */
    List<Long> pidsOf(String vassal) {
        return launches.stream().filter(l -> vassal.equals(l.vassal())).map(Launch::pid).toList();
    }

    /** Signals sent to {@code pid}'s group. */
    List<Signal> signalsTo(long pid) {
        return signals.stream().filter(s -> s.pgid() == pid).map(Sent::signal).toList();
    }
}
