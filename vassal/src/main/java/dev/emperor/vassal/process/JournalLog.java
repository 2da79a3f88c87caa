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
 * missing as soon as it takes entries again. Counters are read by anyone; the rest is
 * guarded by this object's lock, never held while sending.
 */
public final class JournalLog {

    private static final System.Logger LOG = System.getLogger("emperor.logs");
    static final long REPORT_MS = 10_000;
    /** The journal gets a note of missing lines at most this often: a journal that keeps up only now and then would get one between every burst. */
    static final long NOTE_MS = 1_000;

    private final String vassal;
    private final boolean alsoFile;
    private final AtomicLong sentLines = new AtomicLong();
    private final AtomicLong droppedLines = new AtomicLong();
    private final AtomicBoolean warnedMissing = new AtomicBoolean();
    // under this object's lock: the pump's reader and the journal sender both drop lines
    private long unnoted;
    private long unreported;
    private long reportAtMs;
    private long noteAtMs;
    /** A warning went to the emperor's log and no word yet that the journal takes lines again. */
    private boolean warned;

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
    synchronized void dropped(int errno, Path journal) {
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
        warned = true;
    }

    /**
     * Lines dropped since the journal last got a note of them, when a note is due (at most
     * every {@value #NOTE_MS} ms), else 0; the caller sends one and calls {@link #noted}.
     */
    synchronized long noteDue() {
        return unnoted > 0 && System.currentTimeMillis() >= noteAtMs ? unnoted : 0;
    }

    /**
     * The journal took the note of {@code count} missing lines: it works again, which the
     * emperor's log hears too (once per warning).
     */
    synchronized void noted(long count, Path journal) {
        if (warned) {
            LOG.log(Level.INFO, "vassal " + vassal + ": the journal (" + journal + ") takes its output again; "
                    + droppedLines.get() + " line(s) were dropped in all");
            warned = false;
        }
        unnoted = Math.max(0, unnoted - count); // lines dropped meanwhile are for the next note
        noteAtMs = System.currentTimeMillis() + NOTE_MS;
    }

    private static String why(int errno) {
        if (errno == Posix.EAGAIN) return "it does not keep up: its queue and the emperor's are full";
        if (errno == Posix.ENOENT || errno == Posix.ECONNREFUSED) return "it is not running";
        return Posix.libc().strerror(errno);
    }
}
