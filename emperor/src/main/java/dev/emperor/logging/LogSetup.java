package dev.emperor.logging;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One line per event on stderr: {@code 2026-11-25T10:00:00.123Z INFO  vassal web: ...}.
 * Stack traces appear only for internal errors, never for a user's mistake.
 */
public final class LogSetup {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private LogSetup() {
    }

    public static void configure(boolean verbose) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(verbose ? Level.FINE : Level.INFO);
        Handler handler = new Handler() {
            private final PrintStream out = System.err;

            @Override
            public void publish(LogRecord record) {
                if (!isLoggable(record)) return;
                out.print(getFormatter().format(record));
                out.flush();
            }

            @Override
            public void flush() {
                out.flush();
            }

            @Override
            public void close() {
                out.flush();
            }
        };
        handler.setLevel(verbose ? Level.FINE : Level.INFO);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                StringBuilder sb = new StringBuilder(160);
                sb.append(TIME.format(Instant.ofEpochMilli(r.getMillis()))).append(' ');
                sb.append(String.format("%-5s", level(r.getLevel()))).append(' ');
                sb.append(formatMessage(r)).append('\n');
                if (r.getThrown() != null) {
                    var sw = new java.io.StringWriter();
                    r.getThrown().printStackTrace(new java.io.PrintWriter(sw));
                    sb.append(sw);
                }
                return sb.toString();
            }
        });
        root.addHandler(handler);
    }

    private static String level(Level l) {
        if (l.intValue() >= Level.SEVERE.intValue()) return "ERROR";
        if (l.intValue() >= Level.WARNING.intValue()) return "WARN";
        if (l.intValue() >= Level.INFO.intValue()) return "INFO";
        return "DEBUG";
    }
}
