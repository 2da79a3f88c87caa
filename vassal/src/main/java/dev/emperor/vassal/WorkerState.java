package dev.emperor.vassal;

import java.util.Locale;

/** One worker slot's state. */
public enum WorkerState {
    /** Process launched, not yet up for {@code ready-after}. */
    STARTING,
    /** Up for at least {@code ready-after}. */
    RUNNING,
    /** Stop signal sent; SIGKILL follows after {@code reload-mercy}. */
    STOPPING,
    /** Died early (or could not be launched); respawns when the throttle delay is over. */
    BACKOFF,
    /** No process, none wanted. */
    STOPPED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
