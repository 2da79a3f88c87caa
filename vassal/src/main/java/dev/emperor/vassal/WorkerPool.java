package dev.emperor.vassal;

import dev.emperor.vassal.process.ExitStatus;
import dev.emperor.vassal.process.LaunchException;
import dev.emperor.vassal.process.LogTarget;
import dev.emperor.vassal.process.Signal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * A vassal's worker slots and its preload slot: which exist (and how many, through a chain
 * reload that changes {@code processes}), what they add up to (live, ready, the vassal's
 * active state), actions on all of them at once, the record of each exit and the restart
 * count, and the vassal as /stats shows it. What is done to one slot's process is
 * {@link SlotControl}'s; when, {@link Vassal}'s.
 */
final class WorkerPool {

    private final VassalHost host;
    private final SlotControl control;

    private WorkerSlot[] workers = new WorkerSlot[0];
    private final WorkerSlot preload = new WorkerSlot(WorkerSlot.PRELOAD);
    private int restarts;
    private String lastExit;

    /**
     * How a slot's process ended: {@code asked} to stop, stopped to be {@code replace}d, or
     * neither (it died), {@code upMs} after its start.
     */
    record Ended(WorkerSlot slot, long pid, boolean asked, boolean replace, String how, long upMs) {
        /** "exited with status 1 0.2 s after start": a fast failure, for the backoff log. */
        String afterStart() {
            return how + " " + WorkerHealth.seconds(upMs) + " after start";
        }
    }

    WorkerPool(VassalHost host, SlotControl control) {
        this.host = host;
        this.control = control;
    }

    // ---- queries ----------------------------------------------------------------------------

    /** The slot {@code id} if {@code pid} is its live process, else null (a stale event). */
    WorkerSlot slot(int id, long pid) {
        WorkerSlot w;
        if (id == WorkerSlot.PRELOAD) {
            w = preload;
        } else {
            if (id < 1 || id > workers.length) return null;
            w = workers[id - 1];
        }
        return w.pid != 0 && w.pid == pid ? w : null;
    }

    /** Worker slot {@code id} if it waits out the backoff of {@code gen}, else null (a stale timer). */
    WorkerSlot backingOff(int id, long gen) {
        if (id > workers.length) return null;
        WorkerSlot w = workers[id - 1];
        return w.state == WorkerState.BACKOFF && w.backoffGeneration == gen ? w : null;
    }

    /** The pid of worker {@code id}'s live process, if it has one. */
    OptionalLong pid(int id) {
        if (id < 1 || id > workers.length || workers[id - 1].pid == 0) return OptionalLong.empty();
        return OptionalLong.of(workers[id - 1].pid);
    }

    /** Processes of this vassal still alive (being stopped or not), preload included. */
    boolean hasLiveWorkers() {
        if (preload.pid != 0) return true;
        for (WorkerSlot w : workers) {
            if (w.pid != 0) return true;
        }
        return false;
    }

    boolean hasLiveWorkersAbove(int slots) {
        for (int i = slots; i < workers.length; i++) {
            if (workers[i].pid != 0) return true;
        }
        return false;
    }

    boolean anyReady() {
        for (WorkerSlot w : workers) {
            if (w.pid != 0 && w.ready) return true;
        }
        return false;
    }

    /** STARTING, RUNNING or BACKOFF, read off the workers while the vassal is active. */
    VassalState activeState() {
        if (preload.pid != 0) return VassalState.STARTING;
        boolean starting = false;
        for (WorkerSlot w : workers) {
            if (w.state == WorkerState.BACKOFF) return VassalState.BACKOFF;
            if (w.state == WorkerState.STARTING || w.state == WorkerState.STOPPING) starting = true;
        }
        return starting ? VassalState.STARTING : VassalState.RUNNING;
    }

    int restarts() {
        return restarts;
    }

    /** One unplanned restart of slot {@code w} (it died, or was killed as hung). */
    void countRestart(WorkerSlot w) {
        restarts++;
        w.restarts++;
    }

    /** A start of the whole vassal failed (its preload could not start or failed). */
    void countStartFailure() {
        control.countStartFailure();
    }

    /** One unplanned restart of the whole vassal (its preload failed). */
    void countRestart() {
        restarts++;
    }

    // ---- the set of slots -------------------------------------------------------------------

    /**
     * Fresh slots for {@code processes} workers, each keeping its predecessor's history; the
     * preload's last launch error goes too (the new settings may have no preload).
     */
    void renew(int processes) {
        preload.launchError = null;
        WorkerSlot[] next = new WorkerSlot[processes];
        for (int i = 0; i < next.length; i++) {
            next[i] = WorkerSlot.continuing(i + 1, i < workers.length ? workers[i] : null);
        }
        workers = next;
    }

    /** Worker slot {@code id}, added if there are fewer (a chain reload to more processes). */
    WorkerSlot grow(int id) {
        if (id > workers.length) {
            workers = Arrays.copyOf(workers, id);
            workers[id - 1] = new WorkerSlot(id);
        }
        return workers[id - 1];
    }

    /** Forgets the slots beyond {@code processes} (their processes are gone). */
    void shrinkTo(int processes) {
        if (workers.length > processes) workers = Arrays.copyOf(workers, processes);
    }

    /** Starts a process in every slot; true if the vassal gave up instead (the rest are not started). */
    boolean spawnAll(VassalSettings s) {
        for (WorkerSlot w : workers) {
            if (control.spawn(w, s)) return true;
        }
        return false;
    }

    /** Starts the preload command; what a failed launch means is the caller's to decide. */
    void spawnPreload(VassalSettings s) throws LaunchException {
        control.launch(preload, s);
    }

    /** Sends {@code sig} to every worker not being stopped; how many got it. */
    int signalAll(Signal sig) {
        int n = 0;
        for (WorkerSlot w : workers) {
            if (w.pid != 0 && w.state != WorkerState.STOPPING) {
                host.signalGroup(w.pid, sig);
                n++;
            }
        }
        return n;
    }

    void stopAll() {
        if (preload.pid != 0 && preload.state != WorkerState.STOPPING) control.stopWorker(preload, false);
        for (WorkerSlot w : workers) {
            w.backoffTimer.cancel();
            if (w.pid != 0 && w.state != WorkerState.STOPPING) {
                control.stopWorker(w, false);
            } else if (w.pid == 0) {
                w.readyTimer.cancel();
                w.state = WorkerState.STOPPED;
            } else {
                w.replace = false; // stopping already; now for good
            }
        }
    }

    /** Stops the live workers beyond {@code processes}; whether there were any. */
    boolean stopAbove(int processes) {
        boolean extra = false;
        for (int i = processes; i < workers.length; i++) {
            if (workers[i].pid != 0) {
                control.stopWorker(workers[i], false);
                extra = true;
            }
        }
        return extra;
    }

    void resetFastFailures() {
        for (WorkerSlot w : workers) {
            w.fastFailures = 0;
        }
    }

    /** Records that {@code w}'s process ended and empties the slot. */
    Ended ended(WorkerSlot w, ExitStatus exit) {
        long pid = w.pid;
        // Whatever the worker left behind in its process group goes with it.
        host.signalGroup(pid, Signal.KILL);
        String how = exit.describe();
        long upMs = host.nowMillis() - w.startedMono;
        w.lastExit = how;
        lastExit = w.label() + " " + how;
        w.pid = 0;
        w.cancelProcessTimers();
        boolean asked = w.state == WorkerState.STOPPING;
        boolean replace = w.replace;
        w.replace = false;
        w.state = WorkerState.STOPPED;
        return new Ended(w, pid, asked, replace, how, upMs);
    }

    // ---- /stats -----------------------------------------------------------------------------

    /**
     * The vassal as /stats shows it; {@code problems} are the vassal's own (file, failure),
     * to which the slots' launch errors are added.
     */
    VassalStatus status(String name, Path config, VassalState state, List<String> problems, boolean configError) {
        List<String> parts = new ArrayList<>(problems);
        if (preload.launchError != null) parts.add(preload.launchError);
        List<WorkerStatus> ws = new ArrayList<>(workers.length);
        long now = host.nowMillis();
        for (WorkerSlot w : workers) {
            if (w.launchError != null && w.state == WorkerState.BACKOFF) parts.add(w.launchError);
            ws.add(w.status(now));
        }
        String error = parts.isEmpty() ? null : String.join("; ", parts);
        LogTarget log = control.log();
        // log-journal: no file to show while the journal takes the output; its losses count with the file's
        long dropped = log == null ? 0 : log.droppedLines() + (log.journal() == null ? 0 : log.journal().droppedLines());
        return new VassalStatus(name, config, state, restarts, error, lastExit, ws,
                log == null || !log.writesFile() ? null : log.file(), dropped, log == null ? null : log.error(),
                control.startFailures(), configError);
    }
}
