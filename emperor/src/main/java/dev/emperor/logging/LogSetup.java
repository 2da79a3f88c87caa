package dev.emperor.logging;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * The emperor's own log: one line per event on stderr ({@link LogFormat}), written by one
 * writer thread from a bounded queue ({@link AsyncLogHandler}), so that no caller ever waits
 * for a slow reader of stderr. Stack traces appear only for internal errors, never for a
 * user's mistake.
 */
public final class LogSetup {

    private LogSetup() {
    }

    /** Installs the handler on the root logger; returns what reports the lines dropped. */
    public static LogStats configure(boolean verbose) {
        // Straight to fd 2: System.err's PrintStream lock would be one more place to wait.
        return configure(verbose, new FileOutputStream(FileDescriptor.err));
    }

    static LogStats configure(boolean verbose, OutputStream stderr) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(verbose ? Level.FINE : Level.INFO);
        AsyncLogHandler handler = new AsyncLogHandler(stderr);
        handler.setLevel(verbose ? Level.FINE : Level.INFO);
        handler.setFormatter(new LogFormat());
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
