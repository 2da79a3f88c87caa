package dev.emperor.vassal;

import static dev.emperor.vassal.VassalState.BACKOFF;
import static dev.emperor.vassal.VassalState.INVALID;
import static dev.emperor.vassal.VassalState.RELOADING;
import static dev.emperor.vassal.VassalState.RUNNING;
import static dev.emperor.vassal.VassalState.STARTING;
import static dev.emperor.vassal.VassalState.STOPPED;
import static dev.emperor.vassal.VassalState.STOPPING;

import dev.emperor.vassal.VassalEvent.BackoffElapsed;
import dev.emperor.vassal.VassalEvent.ConfigInvalid;
import dev.emperor.vassal.VassalEvent.ConfigLoaded;
import dev.emperor.vassal.VassalEvent.ReloadRequested;
import dev.emperor.vassal.VassalEvent.StopDeadline;
import dev.emperor.vassal.VassalEvent.StopRequested;
import dev.emperor.vassal.VassalEvent.WorkerExited;
import dev.emperor.vassal.VassalEvent.WorkerReady;
import dev.emperor.vassal.process.LaunchException;
import dev.emperor.vassal.process.LaunchSpec;
import dev.emperor.vassal.process.Signal;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One vassal and its workers, driven by {@link VassalEvent}s. Not thread-safe by design: the
 * owner calls {@link #handle} from one thread only, and the host delivers timers and process
 * exits back to that thread. Each handler switches over every state, so every (state, event)
 * pair is decided here and nowhere else; each transition is logged and published.
 */
public final class Vassal {

    private static final System.Logger LOG = System.getLogger("emperor.vassal");

    private final String name;
    private final Path configFile;
    private final VassalHost host;

    private VassalState state = INVALID;
    private boolean announced;
    private VassalSettings settings;
    private VassalSettings pending;
    private String error;
    private int restarts;
    private String lastExit;
    private Worker[] workers = new Worker[0];
    /** Consecutive fast failures of the whole vassal ({@code master = false}). */
    private int vassalFailures;
    /** Delay before the restart that follows the current RELOADING (crash restarts only). */
    private Duration restartDelay = Duration.ZERO;
    private Cancellable vassalBackoff = Cancellable.NONE;
    private long generation;

    public Vassal(String name, Path configFile, VassalHost host) {
        this.name = name;
        this.configFile = configFile;
        this.host = host;
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

    /** Processes of this vassal still alive (being stopped or not). */
    public boolean hasLiveWorkers() {
        for (Worker w : workers) {
            if (w.process != null) return true;
        }
        return false;
    }

    public void handle(VassalEvent event) {
        switch (event) {
            case ConfigLoaded e -> onConfigLoaded(e.settings());
            case ConfigInvalid e -> onConfigInvalid(e.error());
            case StopRequested e -> onStop(e.reason());
            case ReloadRequested e -> onReload(e.reason());
            case WorkerExited e -> onWorkerExited(e);
            case WorkerReady e -> onWorkerReady(e);
            case StopDeadline e -> onStopDeadline(e);
            case BackoffElapsed e -> onBackoffElapsed(e);
        }
        host.changed(this);
    }

    // ---- handlers: one per event, each deciding every state --------------------------------

    private void onConfigLoaded(VassalSettings next) {
        switch (state) {
            case INVALID, VassalState.FAILED -> {
                settings = next;
                error = null;
                resetFailures();
                startAll(announced ? "file fixed" : "new vassal");
            }
            case STARTING, RUNNING, BACKOFF -> {
                pending = next;
                error = null;
                resetFailures(); // a changed file deserves a fresh start
                beginReload("file changed");
            }
            case RELOADING -> {
                pending = next; // the newest file wins when the old workers are gone
                error = null;
                restartDelay = Duration.ZERO;
            }
            case STOPPING, STOPPED -> log(Level.DEBUG, "ignoring a file change while " + state.label());
        }
    }

    private void onConfigInvalid(String why) {
        switch (state) {
            case INVALID -> {
                error = why;
                if (!announced) {
                    announced = true;
                    log(Level.WARNING, "invalid, not started: " + why + "; fix the file and it starts");
                } else {
                    log(Level.WARNING, "still invalid: " + why);
                }
            }
            case VassalState.FAILED -> {
                error = why;
                settings = null;
                moveTo(INVALID, why);
            }
            case STARTING, RUNNING, BACKOFF, RELOADING -> {
                error = why + " (still running the last valid configuration)";
                log(Level.WARNING, "file is now invalid, keeping the running workers: " + why);
            }
            case STOPPING, STOPPED -> log(Level.DEBUG, "ignoring an invalid file while " + state.label());
        }
    }

    private void onStop(String reason) {
        switch (state) {
            case INVALID, VassalState.FAILED -> moveTo(STOPPED, reason);
            case STARTING, RUNNING, BACKOFF, RELOADING -> {
                pending = null;
                vassalBackoff.cancel();
                stopAll();
                moveTo(hasLiveWorkers() ? STOPPING : STOPPED, reason);
            }
            case STOPPING, STOPPED -> {
                // already on its way out
            }
        }
    }

    private void onReload(String reason) {
        switch (state) {
            case INVALID -> log(Level.WARNING, "not reloaded: the file is invalid (" + error + ")");
            case VassalState.FAILED -> {
                resetFailures();
                startAll(reason);
            }
            case STARTING, RUNNING, BACKOFF -> {
                pending = settings;
                resetFailures();
                beginReload(reason);
            }
            case RELOADING, STOPPING, STOPPED -> log(Level.INFO, "reload ignored while " + state.label());
        }
    }

    private void onWorkerExited(WorkerExited e) {
        Worker w = worker(e.workerId(), e.pid());
        if (w == null) return; // a process we already forgot
        // Whatever the worker left behind in its process group goes with it.
        host.signalGroup(w.pid, Signal.KILL);
        String how = describeExit(e.exitCode());
        long upMs = host.nowMillis() - w.startedMono;
        w.lastExit = how;
        lastExit = "worker " + w.id + " " + how;
        w.process = null;
        w.readyTimer.cancel();
        w.stopTimer.cancel();
        boolean asked = w.state == WorkerState.STOPPING;
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> {
                if (asked) { // cannot happen: workers are only stopped in RELOADING/STOPPING
                    w.state = WorkerState.STOPPED;
                    moveTo(activeState(), "worker " + w.id + " stopped");
                    return;
                }
                restarts++;
                w.restarts++;
                boolean fast = !w.ready;
                if (settings.master()) {
                    if (fast) {
                        backoffWorker(w, how + " " + seconds(upMs) + " after start");
                    } else {
                        w.fastFailures = 0;
                        log(Level.WARNING, "worker " + w.id + " (pid " + e.pid() + ") " + how + " after "
                                + seconds(upMs) + "; respawning it");
                        spawn(w);
                    }
                    moveTo(activeState(), "worker " + w.id + " " + how);
                } else {
                    w.state = WorkerState.STOPPED;
                    vassalFailures = fast ? vassalFailures + 1 : 0;
                    restartDelay = host.throttle().delay(vassalFailures);
                    log(Level.WARNING, "worker " + w.id + " (pid " + e.pid() + ") " + how + " after " + seconds(upMs)
                            + "; master = false, so the whole vassal restarts");
                    pending = null;
                    stopAll();
                    if (hasLiveWorkers()) {
                        moveTo(RELOADING, "restarting after worker " + w.id + " " + how);
                    } else {
                        finishReload();
                    }
                }
            }
            case RELOADING -> {
                w.state = WorkerState.STOPPED;
                if (!hasLiveWorkers()) finishReload();
            }
            case STOPPING -> {
                w.state = WorkerState.STOPPED;
                log(Level.INFO, "worker " + w.id + " (pid " + e.pid() + ") " + how);
                if (!hasLiveWorkers()) moveTo(STOPPED, "all workers stopped");
            }
            case INVALID, VassalState.FAILED, STOPPED -> w.state = WorkerState.STOPPED;
        }
    }

    private void onWorkerReady(WorkerReady e) {
        Worker w = worker(e.workerId(), e.pid());
        if (w == null || w.state != WorkerState.STARTING) return;
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> {
                w.state = WorkerState.RUNNING;
                w.ready = true;
                w.fastFailures = 0;
                VassalState next = activeState();
                if (next == RUNNING) vassalFailures = 0;
                moveTo(next, "worker " + w.id + " up for " + seconds(settings.readyAfter().toMillis()));
            }
            case RELOADING, STOPPING, INVALID, VassalState.FAILED, STOPPED -> {
                // being stopped, or not ours to judge any more
            }
        }
    }

    private void onStopDeadline(StopDeadline e) {
        Worker w = worker(e.workerId(), e.pid());
        if (w == null || w.state != WorkerState.STOPPING) return;
        switch (state) {
            case RELOADING, STOPPING, STARTING, RUNNING, BACKOFF, INVALID, VassalState.FAILED, STOPPED -> {
                // In every state a worker that ignored its stop signal past the mercy is killed.
                log(Level.WARNING, "worker " + w.id + " (pid " + w.pid + ") did not stop within reload-mercy ("
                        + seconds(settings.reloadMercy().toMillis()) + "); sending SIGKILL to its process group");
                host.signalGroup(w.pid, Signal.KILL);
            }
        }
    }

    private void onBackoffElapsed(BackoffElapsed e) {
        if (e.workerId() == 0) {
            switch (state) {
                case BACKOFF -> {
                    if (e.generation() == generation) startAll("throttle delay over");
                }
                case STARTING, RUNNING, RELOADING, STOPPING, INVALID, VassalState.FAILED, STOPPED -> {
                    // a stale timer: the vassal moved on
                }
            }
            return;
        }
        if (e.workerId() > workers.length) return;
        Worker w = workers[e.workerId() - 1];
        if (w.state != WorkerState.BACKOFF || w.backoffGeneration != e.generation()) return;
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> {
                spawn(w);
                moveTo(activeState(), "worker " + w.id + " retried");
            }
            case RELOADING, STOPPING, INVALID, VassalState.FAILED, STOPPED -> w.state = WorkerState.STOPPED;
        }
    }

    // ---- actions ----------------------------------------------------------------------------

    private void startAll(String why) {
        restartDelay = Duration.ZERO;
        Worker[] next = new Worker[settings.processes()];
        for (int i = 0; i < next.length; i++) {
            next[i] = new Worker(i + 1);
        }
        workers = next;
        for (Worker w : workers) {
            spawn(w);
        }
        moveTo(activeState(), why);
    }

    private void beginReload(String why) {
        vassalBackoff.cancel();
        restartDelay = Duration.ZERO;
        stopAll();
        if (hasLiveWorkers()) {
            moveTo(RELOADING, why);
        } else {
            finishReload();
        }
    }

    /** The old workers are gone: start the new ones, now or after the throttle delay. */
    private void finishReload() {
        if (pending != null) {
            settings = pending;
            pending = null;
        }
        if (restartDelay.isZero()) {
            startAll(restarts > 0 || announced ? "restarted" : "started");
        } else {
            long gen = ++generation;
            vassalBackoff = host.schedule(this, restartDelay, new BackoffElapsed(0, gen));
            moveTo(BACKOFF, vassalFailures + " fast failure(s) in a row; next try in " + seconds(restartDelay.toMillis()));
        }
    }

    private void spawn(Worker w) {
        Map<String, String> env = new HashMap<>(host.baseEnvironment(name, w.id));
        env.putAll(settings.environment());
        Path log = settings.logFile().orElseGet(() -> host.defaultLogFile(name));
        try {
            Process p = host.launch(new LaunchSpec(settings.argv(), env, settings.directory(), log));
            w.process = p;
            w.pid = p.pid();
            w.state = WorkerState.STARTING;
            w.ready = false;
            w.startedMono = host.nowMillis();
            w.startedWall = host.wallMillis();
            host.watchExit(this, w.id, p);
            w.readyTimer = host.schedule(this, settings.readyAfter(), new WorkerReady(w.id, w.pid));
            if (error != null && error.startsWith("cannot start worker")) error = null;
            log(Level.INFO, "worker " + w.id + " started (pid " + w.pid + ")");
        } catch (LaunchException e) {
            w.process = null;
            error = "cannot start worker " + w.id + ": " + e.getMessage();
            backoffWorker(w, "could not be started: " + e.getMessage());
        }
    }

    private void backoffWorker(Worker w, String why) {
        w.fastFailures++;
        Duration delay = host.throttle().delay(w.fastFailures);
        w.state = WorkerState.BACKOFF;
        w.backoffGeneration = ++generation;
        w.backoffTimer = host.schedule(this, delay, new BackoffElapsed(w.id, w.backoffGeneration));
        log(Level.WARNING, "worker " + w.id + " " + why + "; next try in " + seconds(delay.toMillis())
                + " (fast failure " + w.fastFailures + " in a row)");
    }

    private void stopAll() {
        for (Worker w : workers) {
            w.backoffTimer.cancel();
            w.readyTimer.cancel();
            if (w.process != null && w.state != WorkerState.STOPPING) {
                w.state = WorkerState.STOPPING;
                host.signalGroup(w.pid, settings.stopSignal());
                w.stopTimer = host.schedule(this, settings.reloadMercy(), new StopDeadline(w.id, w.pid));
            } else if (w.process == null) {
                w.state = WorkerState.STOPPED;
            }
        }
    }

    private void resetFailures() {
        vassalFailures = 0;
        restartDelay = Duration.ZERO;
        for (Worker w : workers) {
            w.fastFailures = 0;
        }
    }

    /** STARTING, RUNNING or BACKOFF, read off the workers while the vassal is active. */
    private VassalState activeState() {
        boolean starting = false;
        for (Worker w : workers) {
            if (w.state == WorkerState.BACKOFF) return BACKOFF;
            if (w.state == WorkerState.STARTING) starting = true;
        }
        return starting ? STARTING : RUNNING;
    }

    private void moveTo(VassalState next, String why) {
        VassalState before = state;
        state = next;
        if (!announced) {
            announced = true;
            log(Level.INFO, next.label() + " (" + why + ")");
        } else if (before != next) {
            log(Level.INFO, before.label() + " -> " + next.label() + " (" + why + ")");
        }
    }

    private Worker worker(int id, long pid) {
        if (id < 1 || id > workers.length) return null;
        Worker w = workers[id - 1];
        return w.process != null && w.pid == pid ? w : null;
    }

    private void log(Level level, String message) {
        LOG.log(level, "vassal " + name + ": " + message);
    }

    static String describeExit(int code) {
        if (code > 128 && code <= 128 + 64) {
            return "was killed by " + Signal.describe(code - 128);
        }
        return "exited with code " + code;
    }

    private static String seconds(long ms) {
        return ms < 10_000 ? String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0) : (ms / 1000) + " s";
    }

    // ---- status --------------------------------------------------------------------------------

    public VassalStatus status() {
        List<WorkerStatus> ws = new ArrayList<>(workers.length);
        for (Worker w : workers) {
            boolean alive = w.process != null;
            ws.add(new WorkerStatus(w.id, alive ? w.pid : null, w.state, alive ? w.startedWall : null, w.restarts,
                    w.lastExit));
        }
        return new VassalStatus(name, configFile, state, restarts, error, lastExit, ws);
    }

    /** One worker slot: its current process, if any, and its own failure streak. */
    private static final class Worker {
        final int id;
        Process process;
        long pid;
        WorkerState state = WorkerState.STOPPED;
        boolean ready;
        long startedMono;
        long startedWall;
        int fastFailures;
        int restarts;
        String lastExit;
        long backoffGeneration;
        Cancellable readyTimer = Cancellable.NONE;
        Cancellable stopTimer = Cancellable.NONE;
        Cancellable backoffTimer = Cancellable.NONE;

        Worker(int id) {
            this.id = id;
        }
    }
}
