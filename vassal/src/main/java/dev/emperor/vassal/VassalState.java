package dev.emperor.vassal;

import java.util.Locale;

/** A vassal's lifecycle state, as /stats shows it (lower case). */
public enum VassalState {
    /** Workers launched; not all have stayed up {@code ready-after} yet. */
    STARTING,
    /** Every worker is up and has proven it starts. */
    RUNNING,
    /** Old workers are being stopped; new ones start when they are gone. */
    RELOADING,
    /** Workers are being stopped for good (file removed, emperor shutting down). */
    STOPPING,
    /** A worker died right after starting; waiting out the throttle delay before the next try. */
    BACKOFF,
    /** Given up until the file changes or an operator reloads it. */
    FAILED,
    /** The file could not be parsed or validated and nothing runs; {@code error} says why. */
    INVALID,
    /** All workers gone after a stop; the vassal is about to be forgotten. */
    STOPPED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
