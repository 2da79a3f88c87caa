package dev.emperor.vassal;

import java.util.Map;

/**
 * One worker as /stats shows it. {@code pid} and {@code startedAtMs} are null when no
 * process runs in the slot; {@code heartbeatAgeMs} is null until its first heartbeat.
 *
 * @param health      what the heartbeats say: {@code no-agent} (none expected), {@code waiting}
 *                    (none yet), {@code ok}, {@code gc} (long collections), {@code idle} (no
 *                    progress, nothing to do), {@code stuck} (no progress while busy: CPU or
 *                    requests in flight), {@code deadlocked}, {@code hung}, {@code silent}
 *                    (never reported)
 * @param diagnosis   why the worker is not reporting, in an operator's words, or null
 * @param lastRestart why the last unplanned restart of this slot happened, with evidence
 * @param program     the program file the worker runs (the command's first word resolved on
 *                    PATH; its argv[0] is the word as written), or null
 */
public record WorkerStatus(int id, Long pid, WorkerState state, Long startedAtMs, int restarts, String lastExit,
                           Long heartbeatAgeMs, Long agentPid, String health, Map<String, Number> telemetry,
                           String diagnosis, RestartRecord lastRestart, String program) {

    /** {@code telemetry} must be unmodifiable: it is shared, not copied (one per heartbeat is enough). */
    public WorkerStatus {
        telemetry = telemetry == null ? Map.of() : telemetry;
    }

    /** Why a worker was restarted by the emperor, and what it printed (a JVM's thread dump). */
    public record RestartRecord(String reason, long atMs, String evidence) {
    }
}
