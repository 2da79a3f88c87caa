package dev.emperor.vassal;

import static dev.emperor.vassal.VassalState.BACKOFF;
import static dev.emperor.vassal.VassalState.FAILED;
import static dev.emperor.vassal.VassalState.RELOADING;
import static dev.emperor.vassal.VassalState.STARTING;

import dev.emperor.vassal.VassalEvent.BackoffElapsed;
import dev.emperor.vassal.process.LaunchException;
import dev.emperor.vassal.process.Signal;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * How a vassal's settings reach its workers, and the state that carries between events while
 * they do: starting every worker (the {@code preload} command first when it is set), the
 * all-at-once reload (the old workers stop, then the new settings start, after the throttle
 * delay for a crash restart), the chain reload (one slot at a time, the next once the new one
 * is ready), a {@code reload-signal}, the whole vassal's throttled restart after fast
 * failures ({@code master = false}, or preload), and giving up ({@code failed}) after
 * {@code max-fast-failures} in a row. When each happens is decided in {@link Vassal}'s
 * (state, event) handlers; this class carries it out.
 */
final class Rollout {

    private static final System.Logger LOG = System.getLogger("emperor.vassal");

    private final Vassal vassal;
    private final WorkerPool pool;
    private final SlotControl control;
    private final VassalHost host;
    /** Read at each use: a reload of the emperor's settings reaches running vassals too. */
    private final Supplier<VassalDefaults> defaults;

    /** The settings the running workers were started with, if any. */
    private VassalSettings settings;
    /** Settings waiting for the old workers to go (all-at-once reload). */
    private VassalSettings pending;
    /** The chain reload in progress, if any. */
    private Chain chain;
    /** Consecutive fast failures of the whole vassal ({@code master = false}, or preload). */
    private int vassalFailures;
    /** Delay before the restart that follows the current RELOADING (crash restarts only). */
    private Duration restartDelay = Duration.ZERO;
    private Cancellable vassalBackoff = Cancellable.NONE;
    /** Why the vassal gave up (state FAILED). */
    private String failure;
    /** The last exec-pre failure, shown until every worker runs. */
    private String execPreFailure;
    private final OneShots oneShots;

    Rollout(Vassal vassal, WorkerPool pool, SlotControl control, VassalHost host, Supplier<VassalDefaults> defaults,
            OneShots oneShots) {
        this.vassal = vassal;
        this.pool = pool;
        this.control = control;
        this.host = host;
        this.defaults = defaults;
        this.oneShots = oneShots;
    }

    /** The settings the running workers were started with; null before the first start. */
    VassalSettings settings() {
        return settings;
    }

    /** Why the vassal gave up, while it is {@code failed} (or stopping after it); else null. */
    String failure() {
        return failure;
    }

    /** Why the last exec-pre failed, until the workers run again; else null. */
    String execPreFailure() {
        return execPreFailure;
    }

    boolean chaining() {
        return chain != null;
    }

    /** The settings a chain reload rolls out; only while {@link #chaining()}. */
    VassalSettings chainTarget() {
        return chain.target;
    }

    // ---- starting ---------------------------------------------------------------------------

    /**
     * A fresh start out of {@code failed} or {@code invalid}: no failure, no streak; every
     * worker starts with {@code next} now ({@code why}), or, while a failed vassal's last workers
     * are still stopping, once they are gone (reloading meanwhile, {@code waitWhy}).
     */
    void restart(VassalSettings next, String why, String waitWhy) {
        failure = null;
        resetFailures();
        if (pool.hasLiveWorkers()) {
            pending = next;
            vassal.moveTo(RELOADING, waitWhy);
            return;
        }
        settings = next;
        startAll(why);
    }

    /**
     * Starts every worker with the current settings: the exec-pre commands first, then the
     * preload when it is set. Only ever from no workers at all, so a single respawned worker
     * runs no exec-pre.
     */
    void startAll(String why) {
        restartDelay = Duration.ZERO;
        chain = null;
        pool.renew(settings.processes());
        if (!settings.oneShots().pre().isEmpty()) {
            vassal.moveTo(STARTING, why + "; running exec-pre first");
            oneShots.start(OneShots.Phase.PRE, settings, failed -> {
                if (failed == null) {
                    startWorkers(why);
                } else { // like preload: counted, and the workers do not start without it
                    execPreFailure = failed;
                    pool.countRestart();
                    fastFailure(failed);
                }
            });
            return;
        }
        startWorkers(why);
    }

    /** The preload when it is set, else the workers. */
    private void startWorkers(String why) {
        if (!settings.reload().lazyApps() && settings.reload().preload().isPresent()) {
            try {
                pool.spawnPreload(settings);
                vassal.moveTo(STARTING, why + "; running preload first");
            } catch (LaunchException e) { // backoff or failed: the workers do not start without their preload
                fastFailure("preload could not be started: " + e.getMessage());
            }
            return;
        }
        if (pool.spawnAll(settings)) return; // gave up
        vassal.moveTo(pool.activeState(), why);
    }

    void preloadSucceeded() {
        log(Level.INFO, "preload finished; starting the workers");
        if (pool.spawnAll(settings)) return; // gave up
        vassal.moveTo(pool.activeState(), "preload done");
    }

    /** The preload command failed by itself: a fast failure of the whole vassal. */
    void preloadFailed(String how) {
        pool.countRestart();
        fastFailure("preload " + how);
    }

    /** A fast failure of the whole vassal ({@code what}): back off before starting again, or give up. */
    private void fastFailure(String what) {
        vassalFailures++;
        pool.countStartFailure();
        if (giveUpIfTooMany(vassalFailures, what)) return;
        restartDelay = defaults.get().throttle().delay(vassalFailures);
        scheduleRetry(what);
    }

    // ---- reloading --------------------------------------------------------------------------

    /** Sends the {@code reload-signal} to every worker, which reloads in place. */
    void signal(String why) {
        Signal sig = settings.reload().reloadSignal().orElseThrow();
        int n = pool.signalAll(sig);
        log(Level.INFO, "reload (" + why + "): sent " + sig + " to " + n + " worker(s), which reload in place");
    }

    /** Replaces the workers with {@code next}: chain reload if both lazy-apps and one is ready, else all at once. */
    void begin(VassalSettings next, String why) {
        vassalBackoff.cancel();
        oneShots.cancel(); // an exec-pre of the settings being replaced
        restartDelay = Duration.ZERO;
        if (next.reload().lazyApps() && settings.reload().lazyApps() && pool.anyReady()) {
            chain = new Chain(next);
            log(Level.INFO, "chain reload (" + why + "): replacing one worker at a time");
            vassal.moveTo(RELOADING, why);
            advanceChain();
            return;
        }
        pending = next;
        stopAllThenFinish(why);
    }

    /** A newer file arrived during the reload in progress: it wins. */
    void newest(VassalSettings next) {
        restartDelay = Duration.ZERO;
        if (chain != null) {
            chain.target = next; // the workers still to be replaced get the newest file
        } else {
            pending = next; // the newest file wins when the old workers are gone
        }
    }

    /** Worker {@code w} is ready: in a chain reload, the next slot's turn if it was this one's. */
    void readyInChain(WorkerSlot w) {
        if (chain != null && w.id == chain.slot) advanceChain();
    }

    /** A worker exited during a chain reload: its replacement starts; the last extra one ends it. */
    void chainWorkerExited(WorkerPool.Ended x) {
        WorkerSlot w = x.slot();
        if (x.replace() || !x.asked()) {
            if (!x.replace()) pool.countRestart(w); // it died
            boolean gaveUp = !x.replace() && !w.ready ? control.backoff(w, x.afterStart()) : control.spawn(w, chain.target);
            if (gaveUp) return; // failed: no chain any more
        }
        if (w.id > chain.target.processes() && !pool.hasLiveWorkersAbove(chain.target.processes())) {
            finishChain();
        }
    }

    /** Replaces the next slot of a chain reload, or finishes it. */
    private void advanceChain() {
        VassalSettings target = chain.target;
        if (++chain.slot > target.processes()) {
            // Every slot of the new settings is replaced; slots beyond them go.
            if (!pool.stopAbove(target.processes())) finishChain();
            return;
        }
        WorkerSlot w = pool.grow(chain.slot);
        if (w.pid == 0) {
            w.backoffTimer.cancel();
            control.spawn(w, target); // giving up here ends the chain: nothing follows
        } else if (w.state != WorkerState.STOPPING) {
            control.stopWorker(w, true); // its replacement starts when it is gone
        } // else already stopping: its exit continues the chain
    }

    private void finishChain() {
        settings = chain.target;
        chain = null;
        pool.shrinkTo(settings.processes());
        vassal.moveTo(pool.activeState(), "chain reload done");
    }

    /** Stops every worker, then {@link #finish}es once they are gone (reloading meanwhile, {@code why}). */
    private void stopAllThenFinish(String why) {
        pool.stopAll();
        if (pool.hasLiveWorkers()) {
            vassal.moveTo(RELOADING, why);
        } else {
            finish();
        }
    }

    /** The old workers are gone: start the new ones, now or after the throttle delay. */
    void finish() {
        if (pending != null) {
            settings = pending;
            pending = null;
        }
        if (restartDelay.isZero()) {
            startAll(pool.restarts() > 0 || vassal.announced() ? "restarted" : "started");
        } else {
            scheduleRetry(vassalFailures + " fast failure(s) in a row");
        }
    }

    // ---- the whole vassal's failures --------------------------------------------------------

    /** {@code master = false}: worker {@code x} died, so every worker restarts (throttled if it was fast). */
    void restartAll(WorkerPool.Ended x) {
        WorkerSlot w = x.slot();
        vassalFailures = !w.ready ? vassalFailures + 1 : 0;
        log(Level.WARNING, w.label() + " (pid " + x.pid() + ") " + x.how() + " after " + WorkerHealth.seconds(x.upMs())
                + "; master = false, so the whole vassal restarts");
        if (giveUpIfTooMany(vassalFailures, w.label() + " " + x.how())) return;
        restartDelay = defaults.get().throttle().delay(vassalFailures);
        pending = null;
        stopAllThenFinish("restarting after " + w.label() + " " + x.how());
    }

    private void scheduleRetry(String why) {
        long gen = control.nextGeneration();
        vassalBackoff = host.schedule(vassal, restartDelay, new BackoffElapsed(0, gen));
        vassal.moveTo(BACKOFF, why + "; next try in " + WorkerHealth.seconds(restartDelay.toMillis()));
    }

    /** Gives up ({@code failed}) when {@code failures} in a row reach max-fast-failures; true if it did. */
    boolean giveUpIfTooMany(int failures, String last) {
        int max = (chain != null ? chain.target : settings).maxFastFailures();
        if (max <= 0 || failures < max) return false;
        failure = "gave up after " + failures + " fast failures in a row (last: " + last + "); fix the app, then"
                + " touch the file or run 'emperor reload " + vassal.name() + "'";
        abandon();
        pool.stopAll();
        vassal.moveTo(FAILED, last);
        log(Level.ERROR, failure);
        return true;
    }

    /** Every worker is up: the whole vassal's streak of fast failures is over. */
    void running() {
        vassalFailures = 0;
        execPreFailure = null;
    }

    /** A fresh start: no failure streak, no delay (a changed file, an operator's reload). */
    void resetFailures() {
        vassalFailures = 0;
        restartDelay = Duration.ZERO;
        pool.resetFastFailures();
    }

    /** Drops any reload in progress and the vassal's retry (stopping, or giving up). */
    void abandon() {
        pending = null;
        chain = null;
        vassalBackoff.cancel();
        oneShots.cancel();
    }

    /** A failed vassal's file became invalid and nothing runs: no settings, no failure any more. */
    void forget() {
        settings = null;
        failure = null;
    }

    private void log(Level level, String message) {
        LOG.log(level, "vassal " + vassal.name() + ": " + message);
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
