package dev.emperor.vassal;

/**
 * One worker as /stats shows it. {@code pid} and {@code startedAtMs} are null when no
 * process runs in the slot.
 */
public record WorkerStatus(int id, Long pid, WorkerState state, Long startedAtMs, int restarts,
                           String lastExit) {
}
