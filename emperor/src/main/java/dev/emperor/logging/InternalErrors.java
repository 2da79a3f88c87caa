package dev.emperor.logging;

import com.codahale.metrics.Counter;
import java.lang.System.Logger.Level;

/**
 * What a handler thread (agent socket, control socket, HTTP) does with a Throwable it did not
 * expect, an Error included: count it (for /stats) and log it with its stack trace, a few times
 * a minute at most per place and kind, and carry on. A handler thread that dies silently leaves
 * the emperor deaf on that channel with no line saying why.
 */
public final class InternalErrors {

    private static final System.Logger LOG = System.getLogger("emperor");

    private final Counter counter;
    private final RateLimitedLog log = new RateLimitedLog(LOG);

    public InternalErrors(Counter counter) {
        this.counter = counter;
    }

    /** A private count, for a server whose owner did not pass one. */
    public InternalErrors() {
        this(new Counter());
    }

    /** Counts and logs {@code t}, caught in {@code where} (e.g. "the agent socket"). Never throws. */
    public void report(String where, Throwable t) {
        counter.inc();
        try {
            log.log(Level.ERROR, where + " " + t.getClass().getName(), () -> "internal error in " + where + ": " + t
                    + "; it carries on without the request at hand (a bug or, for OutOfMemoryError, too"
                    + " little heap: raise -Xmx in EMPEROR_JAVA_OPTS)", t);
        } catch (Throwable ignored) {
            // out of memory even for the message: the count is what is left
        }
    }

    public long count() {
        return counter.getCount();
    }
}
