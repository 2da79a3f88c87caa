package dev.emperor.daemon;

import dev.emperor.vassal.VassalSettings;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The emperor's file descriptors as a budget. Every worker costs the emperor descriptors for
 * as long as it runs (its pidfd, the read end of its output pipe, an agent connection), so
 * without a budget enough vassals fill the table and the emperor can no longer list its
 * directory, answer /stats or the control socket. A {@link #reserve} is kept for those; a
 * vassal whose workers would eat into it is not started until descriptors are free again.
 * Stopping a vassal opens nothing, so it always works.
 *
 * <p>Counting {@code /proc/self/fd} costs a directory listing, so it is done once per scan
 * ({@link #measure}); what is admitted after that is added to the count as an estimate until
 * the next measure.
 */
public final class FdBudget {

    /** What the budget reads from the system; a fake in tests. */
    public interface Probe {
        /** Descriptors open now, or -1 when they cannot be counted (the table is full). */
        int inUse();

        /** The soft RLIMIT_NOFILE in force. */
        long limit();
    }

    private final Probe probe;
    private int measured;
    private int admittedSince;

    public FdBudget(Probe probe) {
        this.probe = probe;
        measure();
    }

    /** Descriptors kept free for listing, /stats, control and the agent socket's handshakes. */
    public int reserve() {
        return (int) Math.max(32, Math.min(256, probe.limit() / 16));
    }

    /** Counts the descriptors open now. */
    public void measure() {
        int n = probe.inUse();
        measured = n < 0 ? (int) Math.min(Integer.MAX_VALUE, probe.limit()) : n;
        admittedSince = 0;
    }

    public int inUse() {
        return measured + admittedSince;
    }

    public long limit() {
        return probe.limit();
    }

    /** Admits {@code cost} descriptors if they fit beside the reserve; false leaves the count alone. */
    public boolean admit(int cost) {
        if (inUse() + cost > limit() - reserve()) return false;
        admittedSince += cost;
        return true;
    }

    /** The error a vassal that does not fit shows until it can start. */
    public String refusal() {
        return "file descriptor limit reached (" + inUse() + " of " + limit() + " in use); raise LimitNOFILE";
    }

    /** Descriptors the emperor holds for a vassal with these settings while it runs. */
    public static int cost(VassalSettings s) {
        int perWorker = 2 + (s.heartbeat().isPositive() || s.agent() ? 1 : 0); // pidfd, pipe, agent connection
        return s.processes() * perWorker + 1; // and its log
    }

    /** The real system: raises the soft RLIMIT_NOFILE to the hard limit (logged), counts /proc/self/fd. */
    public static FdBudget ofThisProcess() {
        long limit = NoFileLimit.raiseToHard();
        return new FdBudget(new Probe() {
            @Override
            public int inUse() {
                int n = 0;
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                    for (Path ignored : fds) n++;
                    return n - 1; // the listing's own descriptor
                } catch (IOException | RuntimeException e) {
                    return -1;
                }
            }

            @Override
            public long limit() {
                return limit;
            }
        });
    }
}
