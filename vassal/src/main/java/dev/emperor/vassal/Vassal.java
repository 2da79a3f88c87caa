package dev.emperor.vassal;

import static dev.emperor.vassal.VassalState.BACKOFF;
import static dev.emperor.vassal.VassalState.FAILED;
import static dev.emperor.vassal.VassalState.INVALID;
import static dev.emperor.vassal.VassalState.RELOADING;
import static dev.emperor.vassal.VassalState.RUNNING;
import static dev.emperor.vassal.VassalState.STARTING;
import static dev.emperor.vassal.VassalState.STOPPED;
import static dev.emperor.vassal.VassalState.STOPPING;

import dev.emperor.vassal.VassalEvent.AgentConnected;
import dev.emperor.vassal.VassalEvent.AgentDisconnected;
import dev.emperor.vassal.VassalEvent.AgentNote;
import dev.emperor.vassal.VassalEvent.AgentReady;
import dev.emperor.vassal.VassalEvent.AgentReload;
import dev.emperor.vassal.VassalEvent.BackoffElapsed;
import dev.emperor.vassal.VassalEvent.Heartbeat;
import dev.emperor.vassal.VassalEvent.HeartbeatDeadline;
import dev.emperor.vassal.VassalEvent.HungKill;
import dev.emperor.vassal.VassalEvent.ConfigInvalid;
import dev.emperor.vassal.VassalEvent.ConfigLoaded;
import dev.emperor.vassal.VassalEvent.ReloadRequested;
import dev.emperor.vassal.VassalEvent.ReplaceWorker;
import dev.emperor.vassal.VassalEvent.StopDeadline;
import dev.emperor.vassal.VassalEvent.StopRequested;
import dev.emperor.vassal.VassalEvent.WorkerExited;
import dev.emperor.vassal.VassalEvent.WorkerReady;
import dev.emperor.vassal.process.ExitStatus;
import dev.emperor.vassal.process.LaunchException;
import dev.emperor.vassal.process.LogTarget;
import dev.emperor.vassal.process.Signal;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One vassal and its workers, driven by {@link VassalEvent}s. Not thread-safe by design: the
 * owner calls {@link #handle} from one thread only, and the host delivers timers and process
 * exits back to that thread. Each handler switches over every state, so every (state, event)
 * pair is decided here and nowhere else; each transition is logged and published.
 *
 * <p>Reloads come in two kinds. With {@code lazy-apps = false} all workers stop, the optional
 * {@code preload} command runs, and all workers start again. With {@code lazy-apps = true} a
 * <em>chain reload</em> replaces one worker at a time and moves to the next only once the new
 * one is ready, so a vassal with two or more workers always has one serving.
 */
public final class Vassal {

    private static final System.Logger LOG = System.getLogger("emperor.vassal");
    /** The slot id of the preload step, which runs before the workers. */
    static final int PRELOAD = WorkerSlot.PRELOAD;

    private final String name;
    private final Path configFile;
    private final VassalHost host;
    private final VassalDefaults defaults;
    private final WorkerWatchdog watchdog;
    private final SlotLauncher launcher;

    private VassalState state = INVALID;
    private boolean announced;
    private VassalSettings settings;
    /** Settings waiting for the old workers to go (all-at-once reload). */
    private VassalSettings pending;
    /** The chain reload in progress, if any. */
    private Chain chain;
    /** Why the file cannot be used (while the last valid configuration may still run). */
    private String fileError;
    /** Why the vassal gave up (state FAILED). */
    private String failure;
    private int restarts;
    private String lastExit;
    private WorkerSlot[] workers = new WorkerSlot[0];
    private final WorkerSlot preload = new WorkerSlot(PRELOAD);
    /** Consecutive fast failures of the whole vassal ({@code master = false}, or preload). */
    private int vassalFailures;
    /** Delay before the restart that follows the current RELOADING (crash restarts only). */
    private Duration restartDelay = Duration.ZERO;
    private Cancellable vassalBackoff = Cancellable.NONE;
    private long generation;
    private LogTarget log;

    public Vassal(String name, Path configFile, VassalHost host, VassalDefaults defaults) {
        this.name = name;
        this.configFile = configFile;
        this.host = host;
        this.defaults = defaults;
        this.watchdog = new WorkerWatchdog(this, host, defaults);
        this.launcher = new SlotLauncher(this, host, defaults);
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
    public java.util.Optional<VassalSettings> settings() {
        return java.util.Optional.ofNullable(settings);
    }

    /** The pid of worker {@code id}'s live process, if it has one. */
    public java.util.OptionalLong workerPid(int id) {
        if (id < 1 || id > workers.length || workers[id - 1].pid == 0) return java.util.OptionalLong.empty();
        return java.util.OptionalLong.of(workers[id - 1].pid);
    }

    /** Processes of this vassal still alive (being stopped or not). */
    public boolean hasLiveWorkers() {
        if (preload.pid != 0) return true;
        for (WorkerSlot w : workers) {
            if (w.pid != 0) return true;
        }
        return false;
    }

    public void handle(VassalEvent event) {
        VassalState stateBefore = state;
        int restartsBefore = restarts;
        switch (event) {
            // First: a thousand a second with many workers, and cases are tried in order.
            case Heartbeat e -> watchdog.onHeartbeat(e);
            case ConfigLoaded e -> onConfigLoaded(e.settings());
            case ConfigInvalid e -> onConfigInvalid(e.error());
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
            case HungKill e -> watchdog.onHungKill(e);
        }
        // The hot path: a heartbeat (a thousand a second) or a deadline re-arming itself
        // changes nothing the host keeps besides telemetry, which goes by host.telemetry.
        if ((event instanceof Heartbeat || event instanceof HeartbeatDeadline)
                && state == stateBefore && restarts == restartsBefore) {
            return;
        }
        host.changed(this);
    }

    // ---- handlers: one per event, each deciding every state --------------------------------

    private void onConfigLoaded(VassalSettings next) {
        switch (state) {
            case INVALID, FAILED -> {
                fileError = null;
                failure = null;
                resetFailures();
                if (hasLiveWorkers()) { // a failed vassal's last workers are still stopping
                    pending = next;
                    moveTo(RELOADING, "file changed");
                    return;
                }
                String why = announced ? (state == FAILED ? "file changed" : "file fixed") : "new vassal";
                settings = next;
                startAll(why);
            }
            case STARTING, RUNNING, BACKOFF -> {
                fileError = null;
                resetFailures(); // a changed file deserves a fresh start
                if (next.equals(settings) && next.reload().reloadSignal().isPresent()) {
                    signalReload("file touched");
                } else {
                    beginReload(next, "file changed");
                }
            }
            case RELOADING -> {
                fileError = null;
                restartDelay = Duration.ZERO;
                if (chain != null) {
                    chain.target = next; // the workers still to be replaced get the newest file
                } else {
                    pending = next; // the newest file wins when the old workers are gone
                }
            }
            case STOPPING, STOPPED -> log(Level.DEBUG, "ignoring a file change while " + state.label());
        }
    }

    private void onConfigInvalid(String why) {
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
                if (!hasLiveWorkers()) {
                    settings = null;
                    failure = null;
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

    private void onStop(String reason) {
        switch (state) {
            case INVALID -> moveTo(STOPPED, reason);
            case FAILED, STARTING, RUNNING, BACKOFF, RELOADING -> {
                pending = null;
                chain = null;
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
            case INVALID -> log(Level.WARNING, "not reloaded: the file is invalid (" + fileError + ")");
            case FAILED -> {
                resetFailures();
                failure = null;
                if (hasLiveWorkers()) { // its last workers are still stopping
                    pending = settings;
                    moveTo(RELOADING, reason);
                    return;
                }
                startAll(reason);
            }
            case STARTING, RUNNING, BACKOFF -> {
                resetFailures();
                if (settings.reload().reloadSignal().isPresent()) {
                    signalReload(reason);
                } else {
                    beginReload(settings, reason);
                }
            }
            case RELOADING, STOPPING, STOPPED -> log(Level.INFO, "reload ignored while " + state.label());
        }
    }

    private void onWorkerExited(WorkerExited e) {
        WorkerSlot w = worker(e.workerId(), e.pid());
        if (w == null) return; // a process we already forgot
        // Whatever the worker left behind in its process group goes with it.
        host.signalGroup(w.pid, Signal.KILL);
        String how = e.exit().describe();
        long upMs = host.nowMillis() - w.startedMono;
        w.lastExit = how;
        lastExit = w.label() + " " + how;
        w.pid = 0;
        w.cancelProcessTimers();
        boolean asked = w.state == WorkerState.STOPPING;
        boolean replace = w.replace;
        w.replace = false;
        w.state = WorkerState.STOPPED;
        if (w.id == PRELOAD) {
            onPreloadExited(e.exit(), how, asked);
            return;
        }
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> {
                if (replace) {
                    log(Level.INFO, w.label() + " (pid " + e.pid() + ") " + how + "; starting its replacement");
                    spawn(w, settings);
                    moveTo(activeState(), w.label() + " replaced");
                } else if (asked) {
                    moveTo(activeState(), w.label() + " stopped");
                } else {
                    workerDied(w, e.pid(), how, upMs);
                }
            }
            case RELOADING -> {
                if (chain != null) {
                    if (replace || !asked) {
                        if (!replace && !w.ready) {
                            restarts++;
                            w.restarts++;
                            if (backoffWorker(w, how + " " + seconds(upMs) + " after start")) return;
                        } else {
                            if (!replace) {
                                restarts++;
                                w.restarts++;
                            }
                            spawn(w, chain.target);
                        }
                    }
                    if (w.id > chain.target.processes() && !hasLiveWorkersAbove(chain.target.processes())) {
                        finishChain();
                    }
                } else if (!hasLiveWorkers()) {
                    finishReload();
                }
            }
            case STOPPING -> {
                log(Level.INFO, w.label() + " (pid " + e.pid() + ") " + how);
                if (!hasLiveWorkers()) moveTo(STOPPED, "all workers stopped");
            }
            case FAILED -> {
                if (!hasLiveWorkers()) log(Level.INFO, "all workers stopped; the vassal stays failed");
            }
            case INVALID, STOPPED -> {
                // no workers are expected here
            }
        }
    }

    private void onPreloadExited(ExitStatus exit, String how, boolean asked) {
        switch (state) {
            case STARTING -> {
                if (exit.succeeded()) {
                    log(Level.INFO, "preload finished; starting the workers");
                    for (WorkerSlot w : workers) spawn(w, settings);
                    moveTo(activeState(), "preload done");
                } else if (!asked) {
                    restarts++;
                    vassalFailures++;
                    lastExit = "preload " + how;
                    if (giveUpIfTooMany(vassalFailures, "preload " + how)) return;
                    restartDelay = defaults.throttle().delay(vassalFailures);
                    scheduleVassalRetry("preload " + how);
                }
            }
            case STOPPING -> {
                if (!hasLiveWorkers()) moveTo(STOPPED, "preload stopped");
            }
            case RELOADING -> {
                if (!hasLiveWorkers()) finishReload();
            }
            case FAILED, RUNNING, BACKOFF, INVALID, STOPPED -> {
                // preload only runs while starting; nothing else to do
            }
        }
    }

    private void onWorkerReady(WorkerReady e) {
        WorkerSlot w = worker(e.workerId(), e.pid());
        if (w == null || w.state != WorkerState.STARTING || w.id == PRELOAD) return;
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> {
                markReady(w);
                VassalState next = activeState();
                if (next == RUNNING) vassalFailures = 0;
                moveTo(next, w.label() + " ready");
            }
            case RELOADING -> {
                markReady(w);
                if (chain != null && w.id == chain.slot) advanceChain();
            }
            case STOPPING, INVALID, FAILED, STOPPED -> {
                // being stopped, or not ours to judge any more
            }
        }
    }

    private void onStopDeadline(StopDeadline e) {
        WorkerSlot w = worker(e.workerId(), e.pid());
        if (w == null || w.state != WorkerState.STOPPING) return;
        switch (state) {
            case RELOADING, STOPPING, STARTING, RUNNING, BACKOFF, INVALID, FAILED, STOPPED -> {
                // In every state a worker that ignored its stop signal past the mercy is killed.
                log(Level.WARNING, w.label() + " (pid " + w.pid + ") did not stop within reload-mercy ("
                        + seconds(w.settings.reloadMercy().toMillis()) + "); sending SIGKILL to its process group");
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
                case STARTING, RUNNING, RELOADING, STOPPING, INVALID, FAILED, STOPPED -> {
                    // a stale timer: the vassal moved on
                }
            }
            return;
        }
        if (e.workerId() > workers.length) return;
        WorkerSlot w = workers[e.workerId() - 1];
        if (w.state != WorkerState.BACKOFF || w.backoffGeneration != e.generation()) return;
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> {
                spawn(w, settings);
                moveTo(activeState(), w.label() + " retried");
            }
            case RELOADING -> {
                if (chain != null) spawn(w, chain.target);
                else w.state = WorkerState.STOPPED;
            }
            case STOPPING, INVALID, FAILED, STOPPED -> w.state = WorkerState.STOPPED;
        }
    }

    private void onReplaceWorker(ReplaceWorker e) {
        WorkerSlot w = worker(e.workerId(), e.pid());
        if (w == null || w.state == WorkerState.STOPPING) return;
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> {
                log(Level.WARNING, w.label() + " (pid " + w.pid + ") " + e.reason() + "; replacing it gracefully");
                w.replacements++;
                stopWorker(w, true);
            }
            case RELOADING, STOPPING, INVALID, FAILED, STOPPED -> {
                // it is being replaced or stopped already
            }
        }
    }


    // ---- the agent: readiness and reload requests (heartbeats: WorkerWatchdog) ----------------

    private void onAgentReady(AgentReady e) {
        WorkerSlot w = worker(e.workerId(), e.workerPid());
        if (w == null || w.state != WorkerState.STARTING) return;
        switch (state) {
            case STARTING, RUNNING, BACKOFF, RELOADING -> becomeReady(w, "the app said ready");
            case STOPPING, FAILED, INVALID, STOPPED -> {
                // too late to matter
            }
        }
    }

    private void onAgentReload(AgentReload e) {
        WorkerSlot w = worker(e.workerId(), e.workerPid());
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

    /** A worker proved it is ready (first heartbeat, the app said so, or the grace is over). */
    void becomeReady(WorkerSlot w, String why) {
        w.readyTimer.cancel();
        markReady(w);
        switch (state) {
            case STARTING, RUNNING, BACKOFF -> {
                VassalState next = activeState();
                if (next == RUNNING) vassalFailures = 0;
                moveTo(next, w.label() + " ready (" + why + ")");
            }
            case RELOADING -> {
                if (chain != null && w.id == chain.slot) advanceChain();
            }
            case STOPPING, FAILED, INVALID, STOPPED -> {
                // nothing waits for it
            }
        }
    }

    // ---- actions ----------------------------------------------------------------------------

    private void workerDied(WorkerSlot w, long pid, String how, long upMs) {
        restarts++;
        w.restarts++;
        boolean fast = !w.ready;
        if (settings.master()) {
            if (fast) {
                if (backoffWorker(w, how + " " + seconds(upMs) + " after start")) return;
            } else {
                w.fastFailures = 0;
                log(Level.WARNING, w.label() + " (pid " + pid + ") " + how + " after " + seconds(upMs)
                        + "; respawning it");
                spawn(w, settings);
            }
            moveTo(activeState(), w.label() + " " + how);
            return;
        }
        vassalFailures = fast ? vassalFailures + 1 : 0;
        log(Level.WARNING, w.label() + " (pid " + pid + ") " + how + " after " + seconds(upMs)
                + "; master = false, so the whole vassal restarts");
        if (giveUpIfTooMany(vassalFailures, w.label() + " " + how)) return;
        restartDelay = defaults.throttle().delay(vassalFailures);
        pending = null;
        stopAll();
        if (hasLiveWorkers()) {
            moveTo(RELOADING, "restarting after " + w.label() + " " + how);
        } else {
            finishReload();
        }
    }

    private void startAll(String why) {
        restartDelay = Duration.ZERO;
        chain = null;
        WorkerSlot[] next = new WorkerSlot[settings.processes()];
        for (int i = 0; i < next.length; i++) {
            next[i] = WorkerSlot.continuing(i + 1, i < workers.length ? workers[i] : null); // keeps its history
        }
        workers = next;
        if (!settings.reload().lazyApps() && settings.reload().preload().isPresent()) {
            spawnPreload();
            moveTo(STARTING, why + "; running preload first");
            return;
        }
        for (WorkerSlot w : workers) {
            spawn(w, settings);
        }
        moveTo(activeState(), why);
    }

    private void beginReload(VassalSettings next, String why) {
        vassalBackoff.cancel();
        restartDelay = Duration.ZERO;
        if (next.reload().lazyApps() && settings.reload().lazyApps() && anyReady()) {
            chain = new Chain(next);
            log(Level.INFO, "chain reload (" + why + "): replacing one worker at a time");
            moveTo(RELOADING, why);
            advanceChain();
            return;
        }
        pending = next;
        stopAll();
        if (hasLiveWorkers()) {
            moveTo(RELOADING, why);
        } else {
            finishReload();
        }
    }

    /** Replaces the next slot of a chain reload, or finishes it. */
    private void advanceChain() {
        VassalSettings target = chain.target;
        while (++chain.slot <= target.processes()) {
            if (chain.slot > workers.length) {
                workers = Arrays.copyOf(workers, chain.slot);
                workers[chain.slot - 1] = new WorkerSlot(chain.slot);
            }
            WorkerSlot w = workers[chain.slot - 1];
            if (w.pid != 0 && w.state != WorkerState.STOPPING) {
                stopWorker(w, true); // its replacement starts when it is gone
                return;
            }
            if (w.pid == 0) {
                w.backoffTimer.cancel();
                spawn(w, target);
                return;
            }
            return; // already stopping: its exit continues the chain
        }
        // Every slot of the new settings is replaced; slots beyond them go.
        boolean extra = false;
        for (int i = target.processes(); i < workers.length; i++) {
            if (workers[i].pid != 0) {
                stopWorker(workers[i], false);
                extra = true;
            }
        }
        if (!extra) finishChain();
    }

    private void finishChain() {
        settings = chain.target;
        chain = null;
        if (workers.length > settings.processes()) workers = Arrays.copyOf(workers, settings.processes());
        moveTo(activeState(), "chain reload done");
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
            scheduleVassalRetry(vassalFailures + " fast failure(s) in a row");
        }
    }

    private void scheduleVassalRetry(String why) {
        long gen = ++generation;
        vassalBackoff = host.schedule(this, restartDelay, new BackoffElapsed(0, gen));
        moveTo(BACKOFF, why + "; next try in " + seconds(restartDelay.toMillis()));
    }

    private void signalReload(String why) {
        Signal sig = settings.reload().reloadSignal().orElseThrow();
        int n = 0;
        for (WorkerSlot w : workers) {
            if (w.pid != 0 && w.state != WorkerState.STOPPING) {
                host.signalGroup(w.pid, sig);
                n++;
            }
        }
        log(Level.INFO, "reload (" + why + "): sent " + sig + " to " + n + " worker(s), which reload in place");
    }

    private void spawn(WorkerSlot w, VassalSettings s) {
        log = launcher.logFor(s);
        try {
            launcher.launch(w, s, log);
            if (w.id != PRELOAD) {
                if (s.heartbeat().isPositive()) {
                    // Ready at the first heartbeat; a slow start is not a hang (heartbeat-grace).
                    watchdog.armHeartbeatDeadline(w, s.heartbeatGrace());
                } else {
                    w.readyTimer = host.schedule(this, s.readyAfter(), new WorkerReady(w.id, w.pid));
                }
            }
            log(Level.INFO, w.label() + " started (pid " + w.pid + ")");
        } catch (LaunchException e) {
            if (w.id == PRELOAD) {
                vassalFailures++;
                if (!giveUpIfTooMany(vassalFailures, "preload could not be started: " + e.getMessage())) {
                    restartDelay = defaults.throttle().delay(vassalFailures);
                    scheduleVassalRetry("preload could not be started");
                }
            } else {
                backoffWorker(w, "could not be started: " + e.getMessage());
            }
        }
    }

    private void spawnPreload() {
        spawn(preload, settings);
    }

    /** Puts a slot in backoff; returns true if the vassal gave up instead. */
    private boolean backoffWorker(WorkerSlot w, String why) {
        w.fastFailures++;
        if (giveUpIfTooMany(w.fastFailures, w.label() + " " + why)) return true;
        Duration delay = defaults.throttle().delay(w.fastFailures);
        w.state = WorkerState.BACKOFF;
        w.backoffGeneration = ++generation;
        w.backoffTimer = host.schedule(this, delay, new BackoffElapsed(w.id, w.backoffGeneration));
        log(Level.WARNING, w.label() + " " + why + "; next try in " + seconds(delay.toMillis())
                + " (fast failure " + w.fastFailures + " in a row)");
        return false;
    }

    private boolean giveUpIfTooMany(int failures, String last) {
        int max = (chain != null ? chain.target : settings).maxFastFailures();
        if (max <= 0 || failures < max) return false;
        failure = "gave up after " + failures + " fast failures in a row (last: " + last + "); fix the app, then"
                + " touch the file or run 'emperor reload " + name + "'";
        chain = null;
        pending = null;
        vassalBackoff.cancel();
        stopAll();
        moveTo(FAILED, last);
        log(Level.ERROR, failure);
        return true;
    }

    private void stopAll() {
        if (preload.pid != 0 && preload.state != WorkerState.STOPPING) stopWorker(preload, false);
        for (WorkerSlot w : workers) {
            w.backoffTimer.cancel();
            if (w.pid != 0 && w.state != WorkerState.STOPPING) {
                stopWorker(w, false);
            } else if (w.pid == 0) {
                w.readyTimer.cancel();
                w.state = WorkerState.STOPPED;
            } else {
                w.replace = false; // stopping already; now for good
            }
        }
    }

    void stopWorker(WorkerSlot w, boolean replace) {
        w.readyTimer.cancel();
        w.heartbeatDeadline.cancel();
        w.deadlineDueMono = 0;
        w.state = WorkerState.STOPPING;
        w.replace = replace;
        host.signalGroup(w.pid, w.settings.stopSignal());
        w.stopTimer = host.schedule(this, w.settings.reloadMercy(), new StopDeadline(w.id, w.pid));
    }

    private void markReady(WorkerSlot w) {
        w.state = WorkerState.RUNNING;
        w.ready = true;
        w.fastFailures = 0;
    }

    private void resetFailures() {
        vassalFailures = 0;
        restartDelay = Duration.ZERO;
        for (WorkerSlot w : workers) {
            w.fastFailures = 0;
        }
    }

    private boolean anyReady() {
        for (WorkerSlot w : workers) {
            if (w.pid != 0 && w.ready) return true;
        }
        return false;
    }

    private boolean hasLiveWorkersAbove(int slots) {
        for (int i = slots; i < workers.length; i++) {
            if (workers[i].pid != 0) return true;
        }
        return false;
    }

    /** STARTING, RUNNING or BACKOFF, read off the workers while the vassal is active. */
    private VassalState activeState() {
        if (preload.pid != 0) return STARTING;
        boolean starting = false;
        for (WorkerSlot w : workers) {
            if (w.state == WorkerState.BACKOFF) return BACKOFF;
            if (w.state == WorkerState.STARTING || w.state == WorkerState.STOPPING) starting = true;
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

    /** One unplanned restart of slot {@code w} (it died, or was killed as hung). */
    void countRestart(WorkerSlot w) {
        restarts++;
        w.restarts++;
    }

    long nextGeneration() {
        return ++generation;
    }

    /** The slot {@code id} if {@code pid} is its live process, else null (a stale event). */
    WorkerSlot slot(int id, long pid) {
        return worker(id, pid);
    }

    private WorkerSlot worker(int id, long pid) {
        WorkerSlot w;
        if (id == PRELOAD) {
            w = preload;
        } else {
            if (id < 1 || id > workers.length) return null;
            w = workers[id - 1];
        }
        return w.pid != 0 && w.pid == pid ? w : null;
    }

    private void log(Level level, String message) {
        LOG.log(level, "vassal " + name + ": " + message);
    }

    private static String seconds(long ms) {
        return WorkerHealth.seconds(ms);
    }

    // ---- status --------------------------------------------------------------------------------

    public VassalStatus status() {
        List<WorkerStatus> ws = new ArrayList<>(workers.length);
        long now = host.nowMillis();
        for (WorkerSlot w : workers) {
            ws.add(w.status(now));
        }
        return new VassalStatus(name, configFile, state, restarts, error(), lastExit, ws,
                log == null ? null : log.file(), log == null ? 0 : log.droppedLines(), log == null ? null : log.error());
    }

    /** Everything wrong right now, most fundamental first; null when nothing is. */
    private String error() {
        List<String> parts = new ArrayList<>(3);
        if (fileError != null) parts.add(fileError);
        if (failure != null) parts.add(failure);
        if (preload.launchError != null) parts.add(preload.launchError);
        for (WorkerSlot w : workers) {
            if (w.launchError != null && w.state == WorkerState.BACKOFF) parts.add(w.launchError);
        }
        return parts.isEmpty() ? null : String.join("; ", parts);
    }

    /** A chain reload: the settings being rolled out and the slot being replaced now. */
    private static final class Chain {
        VassalSettings target;
        int slot;

        Chain(VassalSettings target) {
            this.target = target;
        }
    }
}
