package dev.emperor.vassal.process;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One worker's output (or its stderr, when apart): the bytes of a line not finished yet,
 * and lines ready to queue; with the journal, each line also becomes an entry handed to the
 * {@link JournalSender} as it is cut (never waiting: a full queue drops and counts it).
 */
final class WorkerStream {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z' ").withZone(ZoneOffset.UTC);
    final int fd;
    final LogTarget target;
    final byte[] prefix;
    final long pid;
    /** "worker 1" from "[worker 1] ", for marker lines. */
    final String label;
    final boolean stderr;
    /** Lines go to the log file (else only to the journal, and to {@link LogTarget#recent}). */
    final boolean toFile;
    /** Where lines are sent as entries, or null. */
    private final JournalSender journal;
    private final JournalLog journalLog;
    private final byte[] journalFields;
    private final byte[] eventFields;
    /** The worker's stderr stream, when apart from this (its stdout). */
    WorkerStream sibling;
    private long stampMs = -1;
    private byte[] stamp;
    final ByteArrayOutputStream pending = new ByteArrayOutputStream(1024);
    int pendingLines;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream(256);

    WorkerStream(int fd, LogTarget target, byte[] prefix, long pid, JournalSender journal, boolean stderr,
           boolean toFile) {
        this.fd = fd;
        this.target = target;
        this.prefix = prefix;
        this.pid = pid;
        this.stderr = stderr;
        this.toFile = toFile;
        String p = new String(prefix, StandardCharsets.UTF_8).strip();
        if (p.startsWith("[") && p.endsWith("]")) p = p.substring(1, p.length() - 1);
        this.label = p.isEmpty() ? "worker" : p;
        JournalLog j = target.journal();
        this.journal = j == null ? null : journal;
        this.journalLog = j;
        String worker = label.startsWith("worker ") ? label.substring("worker ".length()) : label;
        String stream = stderr ? "stderr" : "stdout";
        this.journalFields = this.journal == null ? null : JournalEntries.fixedFields(j.vassal(), worker, pid, stream);
        this.eventFields = this.journal == null ? null
                : JournalEntries.fixedFields(j.vassal(), worker, pid, stream, false);
    }

    /** A line of the emperor's own, e.g. {@code --- worker 1 started (pid 42)}; an entry of its own in the journal. */
    void marker(String what, String event, int priority) {
        if (journal != null) send(JournalEntries.event(eventFields, priority, event, label + " " + what));
        timestamp();
        pending.writeBytes(("--- " + label + " " + what + "\n").getBytes(StandardCharsets.UTF_8));
        pendingLines++;
    }

    private void timestamp() {
        if (!target.timestamps()) return;
        long now = System.currentTimeMillis();
        if (now != stampMs) {
            stampMs = now;
            stamp = TIME.format(Instant.ofEpochMilli(now)).getBytes(StandardCharsets.US_ASCII);
        }
        pending.writeBytes(stamp);
    }

    void accept(byte[] buf, int len) {
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (buf[i] == '\n') {
                line(buf, start, i - start);
                start = i + 1;
            }
        }
        if (start < len) {
            partial.write(buf, start, len - start);
            if (partial.size() >= OutputPump.MAX_LINE) line(buf, 0, 0); // an endless line is cut, not hoarded
        }
    }

    private void line(byte[] buf, int off, int len) {
        byte[] text = buf;
        if (partial.size() > 0) {
            partial.write(buf, off, len);
            text = partial.toByteArray();
            off = 0;
            len = text.length;
            partial.reset();
        }
        if (journal != null) {
            if (!journal.hasRoom(journalFields.length + len + 64)) {
                journalLog.dropped(Posix.EAGAIN, journal.socket().path()); // not even encoded: a flood costs a count
            } else {
                send(JournalEntries.line(journalFields, stderr ? JournalEntries.NOTICE : JournalEntries.INFO,
                        text, off, len));
            }
        }
        timestamp();
        pending.writeBytes(prefix);
        pending.write(text, off, len);
        pending.write('\n');
        pendingLines++;
    }

    /** Hands one entry to the journal's sender, which never makes us wait (a full queue drops it). */
    private void send(byte[] entry) {
        journal.offer(journalLog, eventFields, entry);
    }

    void finish() {
        if (partial.size() > 0) line(new byte[0], 0, 0);
    }
}
