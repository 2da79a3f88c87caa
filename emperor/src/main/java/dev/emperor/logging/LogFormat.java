package dev.emperor.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One line per event: {@code 2026-11-25T10:00:00.123Z INFO  vassal web: ...}; under journald
 * ({@link LogSetup#stderrIsJournal}) {@code <4>vassal web: ...} instead: an sd-daemon priority
 * prefix ({@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug) and no
 * time or level word, which the journal records itself. The message is
 * escaped ({@link LogText}): whatever an agent or a file put into it, it stays one line. A
 * stack trace (internal errors only) follows, each of its lines indented, so that no text in
 * an exception's message can pass for a log line of its own.
 */
final class LogFormat extends Formatter {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    static String timestamp(long epochMillis) {
        return TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    private final boolean journal;

    LogFormat(boolean journal) {
        this.journal = journal;
    }

    @Override
    public String format(LogRecord r) {
        StringBuilder sb = new StringBuilder(160);
        String priority = journal ? "<" + priority(r.getLevel()) + ">" : "";
        if (journal) {
            sb.append(priority);
        } else {
            sb.append(timestamp(r.getMillis())).append(' ');
            sb.append(String.format("%-5s", level(r.getLevel()))).append(' ');
        }
        sb.append(LogText.escape(formatMessage(r))).append('\n');
        if (r.getThrown() != null) {
            StringWriter sw = new StringWriter();
            r.getThrown().printStackTrace(new PrintWriter(sw));
            // journald makes each line an entry of its own: each gets the priority too.
            for (String line : sw.toString().split("\n")) {
                sb.append(priority).append("    ").append(LogText.escape(line.replace("\t", "    "))).append('\n');
            }
        }
        return sb.toString();
    }

    /** syslog(3) priorities, as sd-daemon(3) prefixes carry them. */
    static int priority(Level l) {
        return switch (level(l)) {
            case "ERROR" -> 3;
            case "WARN" -> 4;
            case "INFO" -> 6;
            default -> 7;
        };
    }

    static String level(Level l) {
        if (l.intValue() >= Level.SEVERE.intValue()) return "ERROR";
        if (l.intValue() >= Level.WARNING.intValue()) return "WARN";
        if (l.intValue() >= Level.INFO.intValue()) return "INFO";
        return "DEBUG";
    }
}
