package dev.emperor.logging;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * The emperor's own log: one line per event on stderr ({@link LogFormat}; journald's
 * priority prefixes when stderr is the journal), written by one
 * writer thread from a bounded queue ({@link AsyncLogHandler}), so that no caller ever waits
 * for a slow reader of stderr. Stack traces appear only for internal errors, never for a
 * user's mistake.
 */
public final class LogSetup {

    private LogSetup() {
    }

    /**
     * Installs the handler on the root logger; returns what reports the lines dropped. When
     * stderr is the journal, lines carry sd-daemon priorities and no timestamp ({@link LogFormat}).
     */
    public static LogStats configure(boolean verbose) {
        // Straight to fd 2: System.err's PrintStream lock would be one more place to wait.
        return configure(verbose, new FileOutputStream(FileDescriptor.err),
                stderrIsJournal(System.getenv("JOURNAL_STREAM"), Path.of("/proc/self/fd/2")));
    }

    /**
     * Whether {@code stderr} (a /proc/self/fd link) is the stream systemd connected to the
     * journal: {@code JOURNAL_STREAM} is {@code DEV:INODE} of it, in decimal. Inherited by a
     * process whose stderr was redirected elsewhere, the variable no longer matches, and
     * lines keep their own timestamp (sd_journal_stream_fd(3), systemd.exec(5)).
     */
    static boolean stderrIsJournal(String journalStream, Path stderr) {
        if (journalStream == null) return false;
        int colon = journalStream.indexOf(':');
        if (colon < 0) return false;
        try {
            long dev = Long.parseLong(journalStream.substring(0, colon));
            long ino = Long.parseLong(journalStream.substring(colon + 1));
            Map<String, Object> a = Files.readAttributes(stderr, "unix:dev,ino"); // follows the fd link
            return ((Number) a.get("dev")).longValue() == dev && ((Number) a.get("ino")).longValue() == ino;
        } catch (NumberFormatException | IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    static LogStats configure(boolean verbose, OutputStream stderr) {
        return configure(verbose, stderr, false);
    }

    static LogStats configure(boolean verbose, OutputStream stderr, boolean journal) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(verbose ? Level.FINE : Level.INFO);
        AsyncLogHandler handler = new AsyncLogHandler(stderr);
        handler.setLevel(verbose ? Level.FINE : Level.INFO);
        handler.setFormatter(new LogFormat(journal));
        root.addHandler(handler);
        return new LogStats(handler);
    }

    /** What the log has lost: for /stats ({@code log_lines_dropped}). */
    public static final class LogStats {
        private final AsyncLogHandler handler;

        LogStats(AsyncLogHandler handler) {
            this.handler = handler;
        }

        /** Lines dropped since start because stderr could not keep up. */
        public long droppedLines() {
            return handler.droppedLines();
        }

        /** Waits (at most {@code millis}) until every line logged so far is written. */
        public boolean drain(long millis) {
            return handler.drain(millis);
        }
    }
}
