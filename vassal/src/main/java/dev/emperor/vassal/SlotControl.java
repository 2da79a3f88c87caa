package dev.emperor.vassal;

import dev.emperor.vassal.VassalEvent.BackoffElapsed;
import dev.emperor.vassal.VassalEvent.HeartbeatDeadline;
import dev.emperor.vassal.VassalEvent.StopDeadline;
import dev.emperor.vassal.VassalEvent.WorkerReady;
import dev.emperor.vassal.process.LaunchException;
import dev.emperor.vassal.process.LogTarget;
import dev.emperor.vassal.process.Signal;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What is done to one slot's process, with every timer that goes with it: spawning it (and
 * arming its readiness timer or heartbeat deadline), moving its heartbeat deadline, backing
 * the slot off after a fast failure, respawning a worker that died, stopping it (with its
 * reload-mercy deadline), replacing it, killing one that ignored its stop signal. Which slot,
 * and when, is decided in {@link Vassal} and {@link WorkerWatchdog}; a streak of fast failures
 * that reaches {@code max-fast-failures} is handed to the {@link FailureLimit} to give up, and
 * every method that may lead there says so, so that its caller leaves the state alone.
 */
final class SlotControl {

    private static final System.Logger LOG = System.getLogger("emperor.vassal");

    private final Vassal vassal;
    private final VassalHost host;
    /** Read at each use: a reload of the emperor's settings reaches running vassals too. */
    private final Supplier<VassalDefaults> defaults;
    private final SlotLauncher launcher;
    private final FailureLimit limit;

    /** Numbers the vassal's timers; a timer whose generation is no longer current is stale. */
    private long generation;
    /** Workers that could not be started or died before they were ready, since the vassal appeared. */
    private int startFailures;
    /** The log the newest process writes to (null before the first spawn). */
    private LogTarget log;

    /** Where a streak of fast failures is judged: the vassal gives up at its limit. */
    @FunctionalInterface
    interface FailureLimit {
        /** Gives up if {@code failures} in a row are too many; true if it did. */
        boolean giveUpIfTooMany(int failures, String last);
    }

    SlotControl(Vassal vassal, VassalHost host, Supplier<VassalDefaults> defaults, SlotLauncher launcher, FailureLimit limit) {
        this.vassal = vassal;
        this.host = host;
        this.defaults = defaults;
        this.launcher = launcher;
        this.limit = limit;
    }

    long nextGeneration() {
        return ++generation;
    }

    /** Whether {@code gen} is still the newest timer generation (no timer was armed since). */
    boolean isLatest(long gen) {
        return gen == generation;
    }

    /** The log the newest process writes to, or null. */
    LogTarget log() {
        return log;
    }

    /**
     * Starts a process in worker slot {@code w}; a launch that fails puts the slot in backoff.
     * Returns true if the vassal gave up instead (it is {@code failed} now).
     */
    boolean spawn(WorkerSlot w, VassalSettings s) {
        try {
            launch(w, s);
            return false;
        } catch (LaunchException e) {
            return backoff(w, "could not be started: " + e.getMessage());
        }
    }

    int startFailures() {
        return startFailures;
    }

    /** A start of the whole vassal failed (its preload). */
    void countStartFailure() {
        startFailures++;
    }

    /** Starts a process in {@code w}; for a worker, arms what tells when it is ready. */
    void launch(WorkerSlot w, VassalSettings s) throws LaunchException {
        log = launcher.logFor(s);
        launcher.launch(w, s, log);
        if (w.id != WorkerSlot.PRELOAD) {
            if (s.heartbeat().isPositive()) {
                // Ready at the first heartbeat; a slow start is not a hang (heartbeat-grace).
                armHeartbeatDeadline(w, s.heartbeatGrace());
            } else {
                w.readyTimer = host.schedule(vassal, s.readyAfter(), new WorkerReady(w.id, w.pid));
            }
        }
        log(Level.INFO, w.label() + " started (pid " + w.pid + ")");
    }

    /** Puts a slot in backoff; returns true if the vassal gave up instead. */
    boolean backoff(WorkerSlot w, String why) {
        w.fastFailures++;
        startFailures++;
        if (limit.giveUpIfTooMany(w.fastFailures, w.label() + " " + why)) return true;
        Duration delay = defaults.get().throttle().delay(w.fastFailures);
        w.state = WorkerState.BACKOFF;
        w.backoffGeneration = ++generation;
        w.backoffTimer = host.schedule(vassal, delay, new BackoffElapsed(w.id, w.backoffGeneration));
        log(Level.WARNING, w.label() + " " + why + "; next try in " + WorkerHealth.seconds(delay.toMillis())
                + " (fast failure " + w.fastFailures + " in a row)");
        return false;
    }

    /**
     * A worker died unasked ({@code master = true}): respawn its slot, or back it off if it
     * died before it was ready. Returns true if the vassal gave up instead.
     */
    boolean respawn(WorkerPool.Ended x, VassalSettings s) {
        WorkerSlot w = x.slot();
        if (!w.ready) return backoff(w, x.afterStart());
        w.fastFailures = 0;
        log(Level.WARNING, w.label() + " (pid " + x.pid() + ") " + x.how() + " after "
                + WorkerHealth.seconds(x.upMs()) + "; respawning it");
        return spawn(w, s);
    }

    /** Moves {@code w}'s one heartbeat deadline to {@code after} from now; the one armed before is stale. */
    void armHeartbeatDeadline(WorkerSlot w, Duration after) {
        w.heartbeatDeadline.cancel();
        w.deadlineDueMono = host.nowMillis() + after.toMillis();
        w.heartbeatGeneration = ++generation;
        w.heartbeatDeadline = host.scheduleCoarse(vassal, after, new HeartbeatDeadline(w.id, w.pid, w.heartbeatGeneration));
    }

    /** {@code w} gets no heartbeat deadline until one is armed again (it is stopped, or being killed). */
    void disarmHeartbeatDeadline(WorkerSlot w) {
        w.heartbeatDeadline.cancel();
        w.deadlineDueMono = 0;
    }

    void stopWorker(WorkerSlot w, boolean replace) {
        w.readyTimer.cancel();
        disarmHeartbeatDeadline(w);
        w.state = WorkerState.STOPPING;
        w.replace = replace;
        host.signalGroup(w.pid, w.settings.stopSignal());
        w.stopTimer = host.schedule(vassal, w.settings.reloadMercy(), new StopDeadline(w.id, w.pid));
    }

    /** Stops {@code w} to start it again at its exit (it grew past reload-on-rss, or an operator asked). */
    void replace(WorkerSlot w, String reason) {
        log(Level.WARNING, w.label() + " (pid " + w.pid + ") " + reason + "; replacing it gracefully");
        w.replacements++;
        stopWorker(w, true);
    }

    /** {@code w} ignored its stop signal past reload-mercy: SIGKILL for its process group. */
    void killUnstopped(WorkerSlot w) {
        log(Level.WARNING, w.label() + " (pid " + w.pid + ") did not stop within reload-mercy ("
                + WorkerHealth.seconds(w.settings.reloadMercy().toMillis())
                + "); sending SIGKILL to its process group");
        host.signalGroup(w.pid, Signal.KILL);
    }

    void markReady(WorkerSlot w) {
        w.state = WorkerState.RUNNING;
        w.ready = true;
        w.fastFailures = 0;
    }

    private void log(Level level, String message) {
        LOG.log(level, "vassal " + vassal.name() + ": " + message);
    }
}
