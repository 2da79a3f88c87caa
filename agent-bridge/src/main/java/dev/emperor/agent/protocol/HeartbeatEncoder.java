package dev.emperor.agent.protocol;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes heartbeat lines straight into a reused buffer, for senders that beat for the whole
 * life of a process (the Java agent): telemetry names are encoded once (see {@link #key}),
 * values are written without boxing, no map or message object is built. The result decodes
 * to the same {@link Message.Heartbeat} as {@link Frames#encode} would produce (its fields in
 * another order, which JSON does not care about). Not thread-safe.
 *
 * <pre>{@code
 * static final byte[] THREADS = HeartbeatEncoder.metric("jvm.thread.count", "{thread}", Metric.Kind.GAUGE,
 *         Map.of("jvm.thread.daemon", "false"));
 * static final byte[] QUEUE = HeartbeatEncoder.key("app.queue");            // a flat entry (a gauge, no unit)
 * encoder.begin(seq, uptimeMs);
 * encoder.addMetric(THREADS, 42);
 * encoder.add(QUEUE, 7);
 * ByteBuffer line = encoder.end(progress, gcPauseMs);   // -1 = leave the field out
 * }</pre>
 */
public final class HeartbeatEncoder {

    /** Room kept for the end of the line, so {@link #end} always fits. */
    private static final int TAIL_RESERVE = 128;

    private byte[] buf = new byte[4096];
    private int len;
    /** The flat entries, written apart and appended as {@code "telemetry":{...}} at the end. */
    private byte[] flat = new byte[1024];
    private int flatLen;
    private int entries;
    private int described;
    private boolean open;

    /**
     * A telemetry name as the encoder writes it ({@code "name":}), to be made once and reused.
     *
     * @throws IllegalArgumentException if the name is empty or longer than {@link Message.Heartbeat#MAX_KEY_LENGTH}
     */
    public static byte[] key(String name) {
        TelemetryMap.checkKey(name);
        JsonWriter w = new JsonWriter(name.length() + 8);
        w.begin(); // writes '{' which is cut off below
        w.key(name);
        byte[] withBrace = w.endLine(); // {"name":}\n
        return Arrays.copyOfRange(withBrace, 1, withBrace.length - 2);
    }

    /**
     * A described metric as the encoder writes it ({@code {"name":...,"value":}), to be made
     * once and reused with {@link #addMetric}.
     *
     * @throws IllegalArgumentException if the protocol forbids it (see {@link Metric})
     */
    public static byte[] metric(String name, String unit, Metric.Kind kind, Map<String, String> attributes) {
        Metric m = new Metric(name, unit, kind, attributes, 0L);
        Metric.checkStructuredName(name);
        JsonWriter w = new JsonWriter(64 + name.length());
        w.begin().field("name", m.name());
        if (!m.unit().isEmpty()) w.field("unit", m.unit());
        w.field("kind", m.kind().wireName());
        if (!m.attributes().isEmpty()) {
            w.key("attributes").beginObject();
            m.attributes().forEach(w::field);
            w.endObject();
        }
        w.key("value");
        byte[] line = w.endLine(); // {...,"value":}\n
        return Arrays.copyOf(line, line.length - 2);
    }

    /** Starts a line. */
    public HeartbeatEncoder begin(long seq, long uptimeMs) {
        if (seq < 0 || uptimeMs < 0) throw new IllegalArgumentException("seq and uptime_ms must not be negative");
        len = 0;
        flatLen = 0;
        entries = 0;
        described = 0;
        open = true;
        ascii("{\"v\":1,\"type\":\"heartbeat\",\"seq\":");
        number(seq);
        ascii(",\"uptime_ms\":");
        number(uptimeMs);
        return this;
    }

    /**
     * Adds one entry; false (and nothing written) when the line would exceed
     * {@link Frames#MAX_LINE_BYTES} or hold more than {@link Message.Heartbeat#MAX_TELEMETRY} entries.
     * The caller must not add a name twice.
     */
    public boolean add(byte[] key, long value) {
        if (!room(key)) return false;
        int mark = len;
        number(value);
        flatEntry(key, mark);
        return true;
    }

    /** Like {@link #add(byte[], long)}; a NaN or infinite value is skipped (and reported as added). */
    public boolean add(byte[] key, double value) {
        if (!Double.isFinite(value)) return true;
        if (!room(key)) return false;
        int mark = len;
        ascii(Double.toString(value));
        flatEntry(key, mark);
        return true;
    }

    /**
     * Adds one described metric ({@code prefix} from {@link #metric}); false (and nothing
     * written) when the line would be full, as {@link #add(byte[], long)}. A counter's value
     * must not be negative. The caller must not add a series twice.
     */
    public boolean addMetric(byte[] prefix, long value) {
        if (!room(prefix)) return false;
        metricStart(prefix);
        number(value);
        put('}');
        return true;
    }

    /** Like {@link #addMetric(byte[], long)}; a NaN or infinite value is skipped (and reported as added). */
    public boolean addMetric(byte[] prefix, double value) {
        if (!Double.isFinite(value)) return true;
        if (!room(prefix)) return false;
        metricStart(prefix);
        ascii(Double.toString(value));
        put('}');
        return true;
    }

    private void metricStart(byte[] prefix) {
        ascii(described == 0 ? ",\"metrics\":[" : ",");
        put(prefix);
        described++;
        entries++;
    }

    /** Moves the value just written at {@code mark} in {@code buf} behind {@code key} in the flat buffer. */
    private void flatEntry(byte[] key, int mark) {
        int valueLen = len - mark;
        int need = flatLen + 1 + key.length + valueLen;
        if (need > flat.length) flat = Arrays.copyOf(flat, Math.max(flat.length * 2, need));
        if (flatLen > 0) flat[flatLen++] = ',';
        System.arraycopy(key, 0, flat, flatLen, key.length);
        flatLen += key.length;
        System.arraycopy(buf, mark, flat, flatLen, valueLen);
        flatLen += valueLen;
        len = mark;
        entries++;
    }

    /** Entries added since {@link #begin}. */
    public int entries() {
        return entries;
    }

    /**
     * Ends the line; {@code progress} and {@code gcPauseMs} are left out when negative.
     *
     * @return the line (with its newline) in a buffer that is reused by the next {@code begin}
     */
    public ByteBuffer end(long progress, long gcPauseMs) {
        if (!open) throw new IllegalStateException("begin first");
        open = false;
        if (described > 0) put(']');
        if (flatLen > 0) {
            ascii(",\"telemetry\":{");
            ensure(flatLen);
            System.arraycopy(flat, 0, buf, len, flatLen);
            len += flatLen;
            put('}');
        }
        if (progress >= 0) {
            ascii(",\"progress\":");
            number(progress);
        }
        if (gcPauseMs >= 0) {
            ascii(",\"gc_pause_ms\":");
            number(gcPauseMs);
        }
        put('}');
        put('\n');
        return ByteBuffer.wrap(buf, 0, len);
    }

    private boolean room(byte[] key) {
        if (!open) throw new IllegalStateException("begin first");
        return entries < Message.Heartbeat.MAX_TELEMETRY
                && len + flatLen + key.length + 28 + TAIL_RESERVE <= Frames.MAX_LINE_BYTES;
    }

    private void put(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
    }

    private void put(char c) {
        ensure(1);
        buf[len++] = (byte) c;
    }

    @SuppressWarnings("deprecation")
    private void ascii(String s) {
        int n = s.length();
        ensure(n);
        s.getBytes(0, n, buf, len); // ASCII only here: the deprecated form copies without a charset lookup
        len += n;
    }

    private void number(long v) {
        ensure(20);
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                ascii("-9223372036854775808");
                return;
            }
            buf[len++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long x = v; x >= 10; x /= 10) digits++;
        int at = len + digits;
        len = at;
        do {
            buf[--at] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        } while (v != 0);
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }
}
