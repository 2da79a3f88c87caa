package dev.emperor.vassal;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Something an operator wants to hear about without watching: told to the host once per
 * transition (never per tick), for {@code on-event} hooks.
 *
 * @param kind     what happened
 * @param vassal   the vassal's name
 * @param reason   why, in the words of the log line
 * @param state    the vassal's state after it
 * @param config   the vassal's file
 * @param restarts the vassal's restarts so far
 * @param pid      the worker concerned, or 0 when none is
 */
public record VassalAlert(Kind kind, String vassal, String reason, VassalState state, Path config, int restarts,
                          long pid) {

    /** The events, by the names {@code on-event} filters use. */
    public enum Kind {
        /** The vassal entered backoff after fast failures. */
        CRASH_LOOP,
        /** It gave up after max-fast-failures. */
        FAILED,
        /** A hung (silent or deadlocked) worker was killed. */
        HUNG_KILLED,
        /** Its file became unusable (the last valid configuration may still run). */
        CONFIG_INVALID,
        /** Running again after backoff, failed or an unusable file. */
        RECOVERED;

        /** The name in {@code on-event} filters and {@code EMPEROR_EVENT}: {@code crash-loop}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}
