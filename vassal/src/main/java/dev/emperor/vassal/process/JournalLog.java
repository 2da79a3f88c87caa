package dev.emperor.vassal.process;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One vassal's {@code log-journal}: the name its entries carry, whether its log file is
 * written too, and what the journal did not take. A refused entry is dropped and counted
 * ({@link #droppedLines()}); the emperor's log says so at most once every
 * {@value #REPORT_MS} ms per vassal, and the journal itself gets a note of how many lines are
 * missing as soon as it takes entries again. Counters are read by anyone; the rest belongs to
 * the output pump's reader thread.
 */
public final class JournalLog {

    private static final System.Logger LOG = System.getLogger("emperor.logs");
    static final long REPORT_MS = 10_000;

    private final String vassal;
    private final boolean alsoFile;
    private final AtomicLong sentLines = new AtomicLong();
    private final AtomicLong droppedLines = new AtomicLong();
    private final AtomicBoolean warnedMissing = new AtomicBoolean();
    // reader thread
    private long unnoted;
    private long unreported;
    private long reportAtMs;

    /**
     * @param vassal   SYSLOG_IDENTIFIER and EMPEROR_VASSAL of every entry
     * @param alsoFile the log file is written as well ({@code logto} given)
     */
    public JournalLog(String vassal, boolean alsoFile) {
        this.vassal = vassal;
        this.alsoFile = alsoFile;
    }

    public String vassal() {
        return vassal;
    }

    /** Whether the log file is written as well as the journal. */
    public boolean alsoFile() {
        return alsoFile;
    }

    /** Lines (and marker entries) the journal took. */
    public long sentLines() {
        return sentLines.get();
    }

    /** Lines the journal did not take (slow, full or gone), dropped. */
    public long droppedLines() {
        return droppedLines.get();
    }

    /** True the first time only: the caller warns that there is no journal and the file is written instead. */
    boolean firstMissing() {
        return !warnedMissing.getAndSet(true);
    }

    void sent() {
        sentLines.incrementAndGet();
    }

    /** An entry was refused with {@code errno}; warns in the emperor's log, rate-limited. */
    void dropped(int errno, Path journal) {
        droppedLines.incrementAndGet();
        unnoted++;
        unreported++;
        long now = System.currentTimeMillis();
        if (now < reportAtMs) return;
        reportAtMs = now + REPORT_MS;
        LOG.log(Level.WARNING, "vassal " + vassal + ": the journal (" + journal + ") did not take " + unreported
                + " line(s) of its output (" + why(errno) + "); they are dropped, never waited for ("
                + droppedLines.get() + " in all). Check that systemd-journald runs and keeps up"
                + (alsoFile ? "" : ", or give the vassal a logto file"));
        unreported = 0;
    }

    /** Lines dropped since the journal last got a note of them; the caller sends one and calls {@link #noted}. */
    long unnoted() {
        return unnoted;
    }

    /** The journal took the note of {@link #unnoted} lines: it works again, which the emperor's log hears too. */
    void noted(Path journal) {
        LOG.log(Level.INFO, "vassal " + vassal + ": the journal (" + journal + ") takes its output again; "
                + droppedLines.get() + " line(s) were dropped in all");
        unnoted = 0;
        unreported = 0;
    }

    private static String why(int errno) {
        if (errno == Posix.EAGAIN) return "its queue is full";
        if (errno == Posix.ENOENT || errno == Posix.ECONNREFUSED) return "it is not running";
        return Posix.libc().strerror(errno);
    }
}
