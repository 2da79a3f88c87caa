package dev.emperor.vassal;

import static dev.emperor.vassal.VassalState.FAILED;
import static dev.emperor.vassal.VassalState.INVALID;
import static dev.emperor.vassal.VassalState.RUNNING;
import static dev.emperor.vassal.VassalState.STOPPED;
import static dev.emperor.vassal.VassalState.STOPPING;

import dev.emperor.vassal.VassalEvent.AgentConnected;
import dev.emperor.vassal.VassalEvent.AgentDisconnected;
import dev.emperor.vassal.VassalEvent.AgentNote;
import dev.emperor.vassal.VassalEvent.AgentReady;
import dev.emperor.vassal.VassalEvent.AgentReload;
import dev.emperor.vassal.VassalEvent.BackoffElapsed;
import dev.emperor.vassal.VassalEvent.ConfigInvalid;
import dev.emperor.vassal.VassalEvent.ConfigRestored;
import dev.emperor.vassal.VassalEvent.ConfigLoaded;
import dev.emperor.vassal.VassalEvent.Heartbeat;
import dev.emperor.vassal.VassalEvent.HeartbeatDeadline;
import dev.emperor.vassal.VassalEvent.HungKill;
import dev.emperor.vassal.VassalEvent.ReloadRequested;
import dev.emperor.vassal.VassalEvent.ReplaceWorker;
import dev.emperor.vassal.VassalEvent.StopDeadline;
import dev.emperor.vassal.VassalEvent.StopRequested;
import dev.emperor.vassal.VassalEvent.WorkerExited;
import dev.emperor.vassal.VassalEvent.WorkerReady;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * One vassal and its workers, driven by {@link VassalEvent}s. Not thread-safe by design: the
 * owner calls {@link #handle} from one thread only, and the host delivers timers and process
 * exits back to that thread. Each handler switches over every state, so every (state, event)
 * pair is decided here and nowhere else (the agent's heartbeats, notes and deadlines in
 * {@link WorkerWatchdog}); each transition is logged and published. How a decision is carried
 * out lives beside it: the slots in {@link WorkerPool}, one slot's process in
 * {@link SlotControl}, starts, reloads and the whole vassal's throttled restarts in
 * {@link Rollout}.
 *
 * <p>Reloads come in two kinds. With {@code lazy-apps = false} all workers stop, the optional
 * {@code preload} command runs, and all workers start again. With {@code lazy-apps = true} a
 * <em>chain reload</em> replaces one worker at a time and moves to the next only once the new
 * one is ready, so a vassal with two or more workers always has one serving.
 */
public final class Vassal {

    private static final System.Logger LOG = System.getLogger("emperor.vassal");

    private final String name;
    private final Path configFile;
    private final VassalHost host;
    private final WorkerWatchdog watchdog;
    private final SlotControl control;
    private final WorkerPool pool;
    private final Rollout rollout;
    private final OneShots oneShots;
    private final Alerts alerts;

    private VassalState state = INVALID;
    private boolean announced;
    /** Why the file cannot be used (while the last valid configuration may still run). */
    private String fileError;

    public Vassal(String name, Path configFile, VassalHost host, VassalDefaults defaults) {
        this(name, configFile, host, () -> defaults);
    }

    /**
     * {@code defaults} is read at each use (a throttle delay, a heartbeat deadline, a spawn),
     * so new emperor settings reach a running vassal without restarting it.
     */
    public Vassal(String name, Path configFile, VassalHost host, java.util.function.Supplier<VassalDefaults> defaults) {
        this.name = name;
        this.configFile = configFile;
        this.host = host;
        this.control = new SlotControl(this, host, defaults, new SlotLauncher(this, host, defaults),
                this::giveUpIfTooMany);
        this.pool = new WorkerPool(host, control);
        this.alerts = new Alerts(this, host);
        this.oneShots = new OneShots(this, host, new SlotLauncher(this, host, defaults));
        this.rollout = new Rollout(this, pool, control, host, defaults, oneShots);
        this.watchdog = new WorkerWatchdog(this, host, defaults, pool, control);
    }

    public String name() {
        return name;
    }

    public Path configFile() {
        return configFile;
    }

    public VassalState state() {
        return state;
    }

    /** The settings the running workers were started with, if any. */
    public Optional<VassalSettings> settings() {
        return Optional.ofNullable(rollout.settings());
    }

    /** The pid of worker {@code id}'s live process, if it has one. */
    public OptionalLong workerPid(int id) {
        return pool.pid(id);
    }

    /** Processes of this vassal still alive (being stopped or not). */
    public boolean hasLiveWorkers() {
        return pool.hasLiveWorkers();
    }

    public void handle(VassalEvent event) {
        VassalState stateBefore = state;
        int restartsBefore = pool.restarts();
        switch (event) {
            // First: a thousand a second with many workers, and cases are tried in order.
            case Heartbeat e -> watchdog.onHeartbeat(e);
            case WorkerExited e when e.workerId() == OneShots.ID -> oneShots.exited(e);
            case StopDeadline e when e.workerId() == OneShots.ID -> oneShots.timedOut(e);
            case ConfigLoaded e -> onConfigLoaded(e.settings());
            case ConfigInvalid e -> onConfigInvalid(e.error());
            case ConfigRestored e -> onConfigRestored();
            case StopRequested e -> onStop(e.reason());
            case ReloadRequested e -> onReload(e.reason());
            case WorkerExited e -> onWorkerExited(e);
            case WorkerReady e -> onWorkerReady(e);
            case StopDeadline e -> onStopDeadline(e);
            case BackoffElapsed e -> onBackoffElapsed(e);
            case ReplaceWorker e -> onReplaceWorker(e);
            case AgentConnected e -> watchdog.onAgentConnected(e);
            case AgentReady e -> onAgentReady(e);
            case AgentReload e -> onAgentReload(e);
            case AgentNote e -> watchdog.onAgentNote(e);
            case AgentDisconnected e -> watchdog.onAgentDisconnected(e);
            case HeartbeatDeadline e -> watchdog.onHeartbeatDeadline(e);
            case HungKill e -> {
                watchdog.onHungKill(e);
                if (pool.restarts() > restartsBefore) alerts.hungKilled(e.reason(), e.workerPid());
            }
        }
        // The hot path: a heartbeat (a thousand a second) or a deadline re-arming itself
        // changes nothing the host keeps besides telemetry, which goes by host.telemetry.
        if ((event instanceof Heartbeat || event instanceof HeartbeatDeadline)
                && state == stateBefore && pool.restarts() == restartsBefore) {
            return;
        }
        host.changed(this);
    }

    // ---- handlers: one per event, each deciding every state --------------------------------

    private void onConfigLoaded(VassalSettings next) {
        switch (state) {
            case INVALID, FAILED -> {
                fileError = null;
                String why = announced ? (state == FAILED ? "file changed" : "file fixed") : "new vassal";
                rollout.restart(next, why, "file changed");
            }
            case STARTING, RUNNING, BACKOFF -> {
                fileError = null;
                rollout.resetFailures(); // a changed file deserves a fresh start
                if (next.equals(rollout.settings()) && next.reload().reloadSignal().isPresent()) {
                    rollout.signal("file touched");
                } else {
                    rollout.begin(next, "file changed");
                }
            }
            case RELOADING -> {
                fileError = null;
                rollout.newest(next);
            }
            case STOPPING, STOPPED -> log(Level.DEBUG, "ignoring a file change while " + state.label());
        }
    }

    private void onConfigInvalid(String why) {
        if (fileError == null && state != STOPPING && state != STOPPED) alerts.fileInvalid(why);
        switch (state) {
            case INVALID -> {
                fileError = why;
                if (!announced) {
                    announced = true;
                    log(Level.WARNING, "invalid, not started: " + why + "; fix the file and it starts");
                } else {
                    log(Level.WARNING, "still invalid: " + why);
                }
            }
            case FAILED -> {
                fileError = why;
                if (!pool.hasLiveWorkers()) {
                    rollout.forget();
                    moveTo(INVALID, why);
                }
            }
            case STARTING, RUNNING, BACKOFF, RELOADING -> {
                fileError = why + " (still running the last valid configuration)";
                log(Level.WARNING, "file is now invalid, keeping the running workers: " + why);
            }
            case STOPPING, STOPPED -> log(Level.DEBUG, "ignoring an invalid file while " + state.label());
        }
    }

    private void onConfigRestored() {
        switch (state) {
            case STARTING, RUNNING, BACKOFF, RELOADING, FAILED -> {
                if (fileError != null) log(Level.INFO, "the file is usable again and unchanged; not reloaded");
                fileError = null;
                if (state == RUNNING) alerts.recovered("the file is usable again");
            }
            case INVALID, STOPPING, STOPPED -> {
                // invalid: the reconciler reads the file again instead; stopping: nothing to show
            }
        }
    }

    private void onStop(String reason) {
        switch (state) {
            case INVALID -> moveTo(STOPPED, reason);
            case FAILED, STARTING, RUNNING, BACKOFF, RELOADING -> {
                rollout.abandon();
                pool.stopAll();
                if (pool.hasLiveWorkers()) {
                    moveTo(STOPPING, reason);
                } else {
                    lastWorkerGone(reason);
                }
            }
            case STOPPING, STOPPED -> { } // already on its way out
        }
    }

    private void onReload(String reason) {
        switch (state) {
            case INVALID -> log(Level.WARNING, "not reloaded: the file is invalid (" + fileError + ")");
            case FAILED -> rollout.restart(rollout.settings(), reason, reason);
            case STARTING, RUNNING, BACKOFF -> {
                rollout.resetFailures();
                if (rollout.settings().reload().reloadSignal().isPresent()) {
                    rollout.signal(reason);
                } else {
                    rollout.begin(rollout.settings(), reason);
                }
            }
            case RELOADING, STOPPING, STOPPED -> log(Level.INFO, "reload ignored while " + state.label());
        }
    }

    private void onWorkerExited(WorkerExited e) {
        WorkerSlot w = pool.slot(e.workerId(), e.pid());
        if (w == null) return; // a process we already forgot
        WorkerPool.Ended x = pool.ended(w, e.exit());
        if (w.id == WorkerSlot.PRELOAD) {
            onPreloadExited(e, x);
            return;
        }
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> {
                if (x.replace()) {
                    log(Level.INFO, w.label() + " (pid " + e.pid() + ") " + x.how() + "; starting its replacement");
                    if (control.spawn(w, rollout.settings())) return; // gave up
                    moveTo(pool.activeState(), w.label() + " replaced");
                } else if (x.asked()) {
                    moveTo(pool.activeState(), w.label() + " stopped");
                } else {
                    workerDied(x);
                }
            }
            case RELOADING -> {
                if (rollout.chaining()) {
                    rollout.chainWorkerExited(x);
                } else if (!pool.hasLiveWorkers()) {
                    rollout.finish();
                }
            }
            case STOPPING -> {
                log(Level.INFO, w.label() + " (pid " + e.pid() + ") " + x.how());
                if (!pool.hasLiveWorkers()) lastWorkerGone("all workers stopped");
            }
            case FAILED -> {
                if (!pool.hasLiveWorkers()) log(Level.INFO, "all workers stopped; the vassal stays failed");
            }
            case INVALID, STOPPED -> { } // no workers are expected here
        }
    }

    /** A worker died unasked: respawn its slot ({@code master}), or restart the whole vassal. */
    private void workerDied(WorkerPool.Ended x) {
        WorkerSlot w = x.slot();
        pool.countRestart(w);
        if (!rollout.settings().master()) {
            rollout.restartAll(x);
            return;
        }
        if (control.respawn(x, rollout.settings())) return; // gave up
        moveTo(pool.activeState(), w.label() + " " + x.how());
    }

    private void onPreloadExited(WorkerExited e, WorkerPool.Ended x) {
        switch (state) {
            case STARTING -> {
                if (e.exit().succeeded()) {
                    rollout.preloadSucceeded();
                } else if (!x.asked()) {
                    rollout.preloadFailed(x.how());
                }
            }
            case STOPPING -> {
                if (!pool.hasLiveWorkers()) lastWorkerGone("preload stopped");
            }
            case RELOADING -> {
                if (!pool.hasLiveWorkers()) rollout.finish();
            }
            case FAILED, RUNNING, BACKOFF, INVALID, STOPPED -> { } // preload runs only while starting
        }
    }

    private void onWorkerReady(WorkerReady e) {
        WorkerSlot w = pool.slot(e.workerId(), e.pid());
        if (w == null || w.state != WorkerState.STARTING || w.id == WorkerSlot.PRELOAD) return;
        becomeReady(w, "up for ready-after"); // which decides every state
    }

    private void onStopDeadline(StopDeadline e) {
        WorkerSlot w = pool.slot(e.workerId(), e.pid());
        if (w == null || w.state != WorkerState.STOPPING) return;
        switch (state) {
            // In every state a worker that ignored its stop signal past the mercy is killed.
            case RELOADING, STOPPING, STARTING, RUNNING, BACKOFF, INVALID, FAILED, STOPPED -> control.killUnstopped(w);
        }
    }

    private void onBackoffElapsed(BackoffElapsed e) {
        if (e.workerId() == 0) {
            switch (state) {
                case BACKOFF -> {
                    if (control.isLatest(e.generation())) rollout.startAll("throttle delay over");
                }
                case STARTING, RUNNING, RELOADING, STOPPING, INVALID, FAILED, STOPPED -> { } // stale: it moved on
            }
            return;
        }
        WorkerSlot w = pool.backingOff(e.workerId(), e.generation());
        if (w == null) return;
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> {
                // A retry after a start that failed (a missing program) is a restart like any other.
                if (w.launchError != null) pool.countRestart(w);
                if (control.spawn(w, rollout.settings())) return; // gave up
                moveTo(pool.activeState(), w.label() + " retried");
            }
            case RELOADING -> {
                if (rollout.chaining()) control.spawn(w, rollout.chainTarget());
                else w.state = WorkerState.STOPPED;
            }
            case STOPPING, INVALID, FAILED, STOPPED -> w.state = WorkerState.STOPPED;
        }
    }

    private void onReplaceWorker(ReplaceWorker e) {
        WorkerSlot w = pool.slot(e.workerId(), e.pid());
        if (w == null || w.state == WorkerState.STOPPING) return;
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> control.replace(w, e.reason());
            case RELOADING, STOPPING, INVALID, FAILED, STOPPED -> { } // it is being replaced or stopped already
        }
    }

    // ---- the agent: readiness and reload requests (heartbeats: WorkerWatchdog) ----------------

    private void onAgentReady(AgentReady e) {
        WorkerSlot w = pool.slot(e.workerId(), e.workerPid());
        if (w == null || w.state != WorkerState.STARTING) return;
        switch (state) {
            case STARTING, RUNNING, BACKOFF, RELOADING -> becomeReady(w, "the app said ready");
            case STOPPING, FAILED, INVALID, STOPPED -> { } // too late to matter
        }
    }

    private void onAgentReload(AgentReload e) {
        WorkerSlot w = pool.slot(e.workerId(), e.workerPid());
        if (w == null) return;
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> {
                log(Level.INFO, w.label() + " asked for a reload: " + e.reason());
                onReload("the app asked: " + e.reason());
            }
            case RELOADING, STOPPING, FAILED, INVALID, STOPPED -> log(Level.INFO, w.label()
                    + " asked for a reload, ignored while " + state.label());
        }
    }

    /** A worker proved it is ready (up for ready-after, first heartbeat, the app said so, or the grace is over). */
    void becomeReady(WorkerSlot w, String why) {
        w.readyTimer.cancel();
        control.markReady(w);
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> settle(w.label() + " ready (" + why + ")");
            case RELOADING -> rollout.readyInChain(w);
            case STOPPING, FAILED, INVALID, STOPPED -> { } // nothing waits for it
        }
    }

    // ---- transitions ------------------------------------------------------------------------

    /**
     * A stop is done with the workers: stopped, after the exec-post-stop commands when the
     * settings have some (stopping meanwhile; a failure is logged, the vassal stops anyway).
     */
    private void lastWorkerGone(String why) {
        VassalSettings s = rollout.settings();
        if (s == null || s.oneShots().postStop().isEmpty()) {
            moveTo(STOPPED, why);
            return;
        }
        moveTo(STOPPING, why + "; running exec-post-stop");
        oneShots.start(OneShots.Phase.POST_STOP, s, failed -> {
            if (failed != null) log(Level.WARNING, failed + "; the vassal stops anyway");
            moveTo(STOPPED, failed == null ? "exec-post-stop done" : "exec-post-stop failed");
        });
    }

    /** Moves to the state the workers add up to; once all run, the vassal's failure streak is over. */
    private void settle(String why) {
        VassalState next = pool.activeState();
        if (next == RUNNING) rollout.running();
        moveTo(next, why);
    }

    private boolean giveUpIfTooMany(int failures, String last) {
        return rollout.giveUpIfTooMany(failures, last);
    }

    void moveTo(VassalState next, String why) {
        VassalState before = state;
        state = next;
        alerts.moved(before, next, why, fileError == null);
        if (!announced) {
            announced = true;
            log(Level.INFO, next.label() + " (" + why + ")");
        } else if (before != next) {
            log(Level.INFO, before.label() + " -> " + next.label() + " (" + why + ")");
        }
    }

    /** Whether the vassal has said what it is (a first transition or a first invalid file). */
    boolean announced() {
        return announced;
    }

    private void log(Level level, String message) {
        LOG.log(level, "vassal " + name + ": " + message);
    }

    public VassalStatus status() {
        List<String> problems = Stream.of(fileError, rollout.failure(), rollout.execPreFailure()).filter(Objects::nonNull)
                .toList();
        return pool.status(name, configFile, state, problems, state == INVALID || fileError != null);
    }
}
