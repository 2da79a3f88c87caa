package dev.emperor.agent.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Encoding and one-shot decoding of protocol lines. For a byte stream use {@link LineDecoder}.
 *
 * <pre>{@code
 * byte[] line = Frames.encode(new Message.Welcome(5000));   // {"v":1,"type":"welcome","heartbeat_ms":5000}\n
 * byte[] err  = Frames.encode(new Message.Error("bad token"));
 * Message m   = Frames.decode("{\"v\":1,\"type\":\"ready\"}");
 * }</pre>
 * Thread-safe (no shared state).
 */
public final class Frames {

    /** Longest line in bytes, including its terminating newline. */
    public static final int MAX_LINE_BYTES = 65536;
    /** Deepest nesting of JSON objects and arrays in a line; the message object is level 1. */
    public static final int MAX_DEPTH = JsonReader.MAX_DEPTH;

    private Frames() {
    }

    /**
     * The message as one line: compact JSON, {@code "v"} and {@code "type"} first, UTF-8,
     * ending in {@code '\n'}.
     *
     * @throws IllegalArgumentException if the line would exceed {@link #MAX_LINE_BYTES}
     *         (only a heartbeat with huge telemetry or a huge text can)
     */
    public static byte[] encode(Message message) {
        JsonWriter w = new JsonWriter(message instanceof Message.Heartbeat ? 1024 : 128);
        w.begin().field("v", Message.VERSION).field("type", message.type());
        if (message instanceof Message.Heartbeat) {
            Message.Heartbeat h = (Message.Heartbeat) message;
            w.field("seq", h.seq()).field("uptime_ms", h.uptimeMs());
            if (h.progress().isPresent()) w.field("progress", h.progress().getAsLong());
            if (h.gcPauseMs().isPresent()) w.field("gc_pause_ms", h.gcPauseMs().getAsLong());
            TelemetryMap t = (TelemetryMap) h.telemetry();
            boolean anyFlat = false, anyDescribed = false;
            for (String key : t.keySet()) {
                if (t.isFlat(key)) anyFlat = true;
                else anyDescribed = true;
            }
            if (anyFlat) {
                w.key("telemetry").beginObject();
                for (Map.Entry<String, Number> e : t.entrySet()) {
                    if (!t.isFlat(e.getKey())) continue;
                    w.key(e.getKey());
                    number(w, e.getValue());
                }
                w.endObject();
            }
            if (anyDescribed) {
                w.key("metrics").beginArray();
                for (String key : t.keySet()) {
                    if (!t.isFlat(key)) metric(w, t.metric(key));
                }
                w.endArray();
            }
        } else if (message instanceof Message.Hello) {
            Message.Hello h = (Message.Hello) message;
            w.field("vassal", h.vassal()).field("worker", h.worker()).field("token", h.token()).field("pid", h.pid());
            if (h.runtime() != null) w.field("runtime", h.runtime());
            if (h.agent() != null) w.field("agent", h.agent());
        } else if (message instanceof Message.Reload) {
            w.field("reason", ((Message.Reload) message).reason());
        } else if (message instanceof Message.Event) {
            Message.Event e = (Message.Event) message;
            w.field("severity", e.severity().wireName()).field("message", e.message());
        } else if (message instanceof Message.Goodbye) {
            w.field("reason", ((Message.Goodbye) message).reason());
        } else if (message instanceof Message.Welcome) {
            w.field("heartbeat_ms", ((Message.Welcome) message).heartbeatMs());
        } else if (message instanceof Message.Error) {
            w.field("message", ((Message.Error) message).message());
        }
        // Message.Ready has no fields.
        byte[] line = w.endLine();
        if (line.length > MAX_LINE_BYTES) {
            throw new IllegalArgumentException(message.type() + " line would be " + line.length + " bytes, more than " + MAX_LINE_BYTES);
        }
        return line;
    }

    private static void metric(JsonWriter w, Metric m) {
        w.element().beginObject().field("name", m.name());
        if (!m.unit().isEmpty()) w.field("unit", m.unit());
        w.field("kind", m.kind().wireName());
        if (!m.attributes().isEmpty()) {
            w.key("attributes").beginObject();
            m.attributes().forEach(w::field);
            w.endObject();
        }
        w.key("value");
        number(w, m.value());
        w.endObject();
    }

    private static void number(JsonWriter w, Number n) {
        if (n instanceof Long) w.number(n.longValue());
        else w.number(n.doubleValue());
    }

    /**
     * Decodes one line: {@code length} bytes from {@code offset}, without or with its
     * trailing newline. No ordering rules apply (see {@link LineDecoder} for those).
     */
    public static Message decode(byte[] line, int offset, int length) throws ProtocolException {
        if (length > 0 && line[offset + length - 1] == '\n') length--;
        if (length >= MAX_LINE_BYTES) throw new ProtocolException("line longer than " + MAX_LINE_BYTES + " bytes");
        return new MessageReader().read(line, offset, length);
    }

    public static Message decode(byte[] line) throws ProtocolException {
        return decode(line, 0, line.length);
    }

    /** Decodes one line given as text (handy in tests and tools). */
    public static Message decode(String line) throws ProtocolException {
        return decode(line.getBytes(StandardCharsets.UTF_8));
    }
}
