package dev.emperor.vassal.process;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Encodes entries in journald's native protocol: one {@code NAME=value\n} per field, or, for
 * a value holding a newline, {@code NAME\n}, its length as 64-bit little-endian, the bytes,
 * {@code \n}. The binary form is what keeps a value from ending early and starting a field of
 * its own: whatever a worker prints, it lands in MESSAGE and nowhere else. Field names are
 * ours alone (constants here); values are stored as they are, bytes and all.
 *
 * <p>An entry is bounded by {@value #MAX_ENTRY} bytes, below the smallest datagram the kernel
 * lets through with our send buffer ({@link JournalSocket#SEND_BUFFER}): a longer MESSAGE is
 * cut and ends with {@code " [cut: N bytes]"}, rather than going through a memfd: the output
 * pump already splits an endless line once 64 KiB of it wait (a line stays under 128 KiB),
 * so the cut is a bound, not something a working program meets.
 */
final class JournalEntries {

    /** The largest entry we send. */
    static final int MAX_ENTRY = 192 << 10;
    /** syslog priorities used here. */
    static final int NOTICE = 5;
    static final int INFO = 6;
    static final int WARNING = 4;

    private JournalEntries() {
    }

    /**
     * The fields every entry of one worker stream shares: SYSLOG_IDENTIFIER (so that
     * {@code journalctl -t NAME} finds it), SYSLOG_PID and OBJECT_PID (the worker's pid;
     * omitted when 0; journald's own _PID is the emperor's, the sender's, and is what
     * journalctl's short format shows), EMPEROR_VASSAL, EMPEROR_WORKER and EMPEROR_STREAM.
     */
    static byte[] fixedFields(String vassal, String worker, long pid, String stream) {
        return fixedFields(vassal, worker, pid, stream, true);
    }

    /**
     * As {@link #fixedFields(String, String, long, String)}; without OBJECT_PID when
     * {@code object} is false: for the emperor's own entries, since journald describes the
     * process as it finds it when the entry arrives, and a starting worker is still the
     * spawner's clone then (OBJECT_EXE=/memfd:emperor-spawner), an exited one gone.
     */
    static byte[] fixedFields(String vassal, String worker, long pid, String stream, boolean object) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        field(out, "SYSLOG_IDENTIFIER", vassal);
        if (pid > 0) {
            field(out, "SYSLOG_PID", Long.toString(pid));
            // from a root sender journald adds the worker's own OBJECT_UID, OBJECT_COMM, OBJECT_EXE ...
            if (object) field(out, "OBJECT_PID", Long.toString(pid));
        }
        field(out, "EMPEROR_VASSAL", vassal);
        field(out, "EMPEROR_WORKER", worker);
        field(out, "EMPEROR_STREAM", stream);
        return out.toByteArray();
    }

    /**
     * One line of output as an entry: {@code fixed}, PRIORITY, MESSAGE = line[off, off+len);
     * a {@code <N>} prefix at the start of the line (sd-daemon's SD_ERR and so on, as journald
     * honours on a service's stdout) sets the priority and is left out of MESSAGE.
     */
    static byte[] line(byte[] fixed, int defaultPriority, byte[] line, int off, int len) {
        int skip = levelPrefix(line, off, len);
        int priority = skip > 0 ? prefixPriority(line, off, skip) : defaultPriority;
        return entry(fixed, priority, null, line, off + skip, len - skip, MAX_ENTRY);
    }

    /** An entry of the emperor's own (a worker started or exited), with EMPEROR_EVENT. */
    static byte[] event(byte[] fixed, int priority, String event, String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        return entry(fixed, priority, event, m, 0, m.length, MAX_ENTRY);
    }

    /** The entry, at most {@code max} bytes: MESSAGE is cut to fit, with a note of how much. */
    static byte[] entry(byte[] fixed, int priority, String event, byte[] message, int off, int len, int max) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(fixed.length + len + 64);
        out.writeBytes(fixed);
        field(out, "PRIORITY", Integer.toString(priority));
        if (event != null) field(out, "EMPEROR_EVENT", event);
        // MESSAGE goes last: whatever room is left is its own
        int room = max - out.size() - binaryOverhead("MESSAGE");
        if (len <= room) {
            field(out, "MESSAGE", message, off, len);
            return out.toByteArray();
        }
        byte[] note = (" [cut: " + len + " bytes]").getBytes(StandardCharsets.US_ASCII);
        int keep = Math.max(0, room - note.length);
        byte[] cut = new byte[keep + note.length];
        System.arraycopy(message, off, cut, 0, keep);
        System.arraycopy(note, 0, cut, keep, note.length);
        field(out, "MESSAGE", cut, 0, cut.length);
        return out.toByteArray();
    }

    static void field(ByteArrayOutputStream out, String name, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        field(out, name, v, 0, v.length);
    }

    static void field(ByteArrayOutputStream out, String name, byte[] value, int off, int len) {
        out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        if (indexOf(value, off, len, (byte) '\n') < 0) {
            out.write('=');
            out.write(value, off, len);
        } else {
            out.write('\n');
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(len).array());
            out.write(value, off, len);
        }
        out.write('\n');
    }

    /** The most a field costs beyond its value's bytes: the binary form's name, newline and length. */
    private static int binaryOverhead(String name) {
        return name.length() + 1 + 8 + 1;
    }

    /**
     * The length of a {@code <N>} prefix (one to three digits, as journald reads it; the level
     * is the low three bits, a facility in the rest is ignored), or 0 when there is none.
     */
    static int levelPrefix(byte[] line, int off, int len) {
        if (len < 3 || line[off] != '<') return 0;
        int value = 0;
        int i = 1;
        for (; i < len && i <= 3 && line[off + i] >= '0' && line[off + i] <= '9'; i++) {
            value = value * 10 + (line[off + i] - '0');
        }
        if (i == 1 || i >= len || line[off + i] != '>' || value > 191) return 0;
        return i + 1;
    }

    private static int prefixPriority(byte[] line, int off, int prefixLength) {
        int value = 0;
        for (int i = 1; i < prefixLength - 1; i++) value = value * 10 + (line[off + i] - '0');
        return value & 7;
    }

    private static int indexOf(byte[] b, int off, int len, byte c) {
        for (int i = off; i < off + len; i++) {
            if (b[i] == c) return i;
        }
        return -1;
    }
}
