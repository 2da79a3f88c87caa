package dev.emperor.vassal;

import dev.emperor.vassal.process.ExitStatus;

/**
 * Everything that can happen to a vassal. The set is closed so that {@link Vassal#handle}
 * decides every (state, event) pair explicitly: adding an event does not compile until
 * every state says what it does with it.
 */
public sealed interface VassalEvent {

    /** The file was read and is valid: start, or reload with these settings. */
    record ConfigLoaded(VassalSettings settings) implements VassalEvent {
    }

    /** The file changed and cannot be used. */
    record ConfigInvalid(String error) implements VassalEvent {
    }

    /**
     * The file is usable again and is the version that runs (it could not be read for a while,
     * or a change the fd budget refused was undone): the error it showed goes, nothing reloads.
     */
    record ConfigRestored() implements VassalEvent {
    }

    /** Stop every worker for good: the file was removed or the emperor is shutting down. */
    record StopRequested(String reason) implements VassalEvent {
    }

    /** An operator asked for a graceful reload with the current settings. */
    record ReloadRequested(String reason) implements VassalEvent {
    }

    /** A worker process ended. */
    record WorkerExited(int workerId, long pid, ExitStatus exit) implements VassalEvent {
    }

    /** A worker has stayed up {@code ready-after}. */
    record WorkerReady(int workerId, long pid) implements VassalEvent {
    }

    /** A stopping worker's {@code reload-mercy} is over. */
    record StopDeadline(int workerId, long pid) implements VassalEvent {
    }

    /** Replace one worker gracefully (it grew past reload-on-rss, or an operator asked). */
    record ReplaceWorker(int workerId, long pid, String reason) implements VassalEvent {
    }

    /** An agent in the worker's process tree was recognised ({@code agentPid} is its JVM or process). */
    record AgentConnected(int workerId, long workerPid, long agentPid, String runtime) implements VassalEvent {
    }

    /**
     * A heartbeat: {@code progress} and {@code gcPauseMs} are -1 when not reported;
     * {@code telemetry} is the agent's flat map of numbers.
     */
    record Heartbeat(int workerId, long workerPid, long agentPid, long seq, long uptimeMs, long progress,
                     long gcPauseMs, java.util.Map<String, Number> telemetry) implements VassalEvent {
    }

    /** The app said it is ready to serve. */
    record AgentReady(int workerId, long workerPid) implements VassalEvent {
    }

    /** The app asked to be reloaded. */
    record AgentReload(int workerId, long workerPid, String reason) implements VassalEvent {
    }

    /** The app reported something for the operator. */
    record AgentNote(int workerId, long workerPid, String severity, String message) implements VassalEvent {
    }

    /** An agent's connection ended. */
    record AgentDisconnected(int workerId, long workerPid, long agentPid, String why) implements VassalEvent {
    }

    /** The time by which the next heartbeat (or the first, after the grace period) was due. */
    record HeartbeatDeadline(int workerId, long workerPid, long generation) implements VassalEvent {
    }

    /** The thread dump of a hung worker has had time to arrive: kill it now. */
    record HungKill(int workerId, long workerPid, String reason) implements VassalEvent {
    }

    /** A worker slot's throttle delay is over ({@code workerId} 0: the whole vassal's). */
    record BackoffElapsed(int workerId, long generation) implements VassalEvent {
    }
}
