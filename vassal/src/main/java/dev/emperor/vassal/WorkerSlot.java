package dev.emperor.vassal;

/**
 * One worker slot of a vassal: its current process, if any, the timers that belong to that
 * process, the slot's own failure streak and history, and what its agent reported
 * ({@link WorkerHealth}). The slot outlives its processes; the state machine in
 * {@link Vassal} decides what happens to it.
 */
final class WorkerSlot {

    /** The slot id of the preload step, which runs before the workers. */
    static final int PRELOAD = 0;

    final int id;
    /** The live process, 0 when none. */
    long pid;
    /** The program file the process runs (its command resolved on PATH), for /stats. */
    java.nio.file.Path program;
    VassalSettings settings;
    WorkerState state = WorkerState.STOPPED;
    boolean ready;
    /** Stopping to be started again at once (chain reload, reload-on-rss, hung). */
    boolean replace;
    long startedMono;
    long startedWall;
    int fastFailures;
    int restarts;
    int replacements;
    String lastExit;
    /** Why the last launch failed, until one succeeds. */
    String launchError;
    final WorkerHealth health = new WorkerHealth();
    long dumpRequestedWall;
    long heartbeatGeneration;
    WorkerStatus.RestartRecord lastRestart;
    Cancellable heartbeatDeadline = Cancellable.NONE;
    /** When the armed heartbeat deadline fires (monotonic ms), 0 when none is armed. */
    long deadlineDueMono;
    long backoffGeneration;
    Cancellable readyTimer = Cancellable.NONE;
    Cancellable stopTimer = Cancellable.NONE;
    Cancellable backoffTimer = Cancellable.NONE;

    WorkerSlot(int id) {
        this.id = id;
    }

    /** A fresh slot with {@code previous}'s history (restarts, last exit), for a restart of the vassal. */
    static WorkerSlot continuing(int id, WorkerSlot previous) {
        WorkerSlot s = new WorkerSlot(id);
        if (previous != null) {
            s.restarts = previous.restarts;
            s.replacements = previous.replacements;
            s.lastExit = previous.lastExit;
            s.lastRestart = previous.lastRestart;
        }
        return s;
    }

    String label() {
        return id == PRELOAD ? "preload" : "worker " + id;
    }

    /** Cancels the timers that belong to the process in the slot (it exited). */
    void cancelProcessTimers() {
        readyTimer.cancel();
        stopTimer.cancel();
        heartbeatDeadline.cancel();
        deadlineDueMono = 0;
    }

    /** The slot as /stats shows it. */
    WorkerStatus status(long nowMono) {
        boolean alive = pid != 0;
        Long age = alive && health.beats > 0 ? nowMono - health.lastBeatMono : null;
        return new WorkerStatus(id, alive ? pid : null, state, alive ? startedWall : null, restarts, lastExit, age,
                alive && health.agentPid > 0 ? health.agentPid : null, alive ? health.label(settings) : null,
                alive ? health.telemetry : java.util.Map.of(), alive ? health.diagnosis : null, lastRestart,
                alive && program != null ? program.toString() : null);
    }
}
