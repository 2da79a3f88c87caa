package dev.emperor.agent.protocol;

import java.util.HashSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Turns one line into a {@link Message}. A field name means the same in every message type,
 * so fields are read in one pass in any order, each checked against its JSON type; the
 * message is built once {@code "type"} is known. Fields a type does not use, and unknown
 * fields, are checked as JSON and ignored (newer senders may add optional fields).
 * Not thread-safe: one per connection (it reuses its scratch state and key cache).
 */
final class MessageReader {

    // Bits for duplicate detection of known fields.
    private static final int V = 1, TYPE = 1 << 1, VASSAL = 1 << 2, WORKER = 1 << 3, TOKEN = 1 << 4, PID = 1 << 5,
            RUNTIME = 1 << 6, AGENT = 1 << 7, SEQ = 1 << 8, UPTIME = 1 << 9, PROGRESS = 1 << 10, GC = 1 << 11,
            TELEMETRY = 1 << 12, REASON = 1 << 13, SEVERITY = 1 << 14, MESSAGE = 1 << 15, HEARTBEAT_MS = 1 << 16, METRICS = 1 << 17;

    private final JsonReader json = new JsonReader();

    private int seen;
    private long v, worker, pid, seq, uptime, progress, gcPause, heartbeatMs;
    private String type, vassal, token, runtime, agent, reason, severity, message;
    private TelemetryMap.Builder telemetry;
    private Set<String> otherKeys;

    Message read(byte[] bytes, int offset, int length) throws ProtocolException {
        json.reset(bytes, offset, length);
        seen = 0;
        type = vassal = token = runtime = agent = reason = severity = message = null;
        telemetry = null;
        otherKeys = null;
        if (json.beginObject()) {
            do {
                field(json.readKey());
            } while (json.nextField());
        }
        json.expectEnd();
        return build();
    }

    private void field(String key) throws ProtocolException {
        switch (key) {
            case "v": v = integer(key, V); break;
            case "type": type = string(key, TYPE); break;
            case "vassal": vassal = string(key, VASSAL); break;
            case "worker": worker = integer(key, WORKER); break;
            case "token": token = string(key, TOKEN); break;
            case "pid": pid = integer(key, PID); break;
            case "runtime": runtime = string(key, RUNTIME); break;
            case "agent": agent = string(key, AGENT); break;
            case "seq": seq = integer(key, SEQ); break;
            case "uptime_ms": uptime = integer(key, UPTIME); break;
            case "progress": progress = integer(key, PROGRESS); break;
            case "gc_pause_ms": gcPause = integer(key, GC); break;
            case "telemetry": mark(key, TELEMETRY); telemetry(); break;
            case "metrics": mark(key, METRICS); metrics(); break;
            case "reason": reason = string(key, REASON); break;
            case "severity": severity = string(key, SEVERITY); break;
            case "message": message = string(key, MESSAGE); break;
            case "heartbeat_ms": heartbeatMs = integer(key, HEARTBEAT_MS); break;
            default:
                if (otherKeys == null) otherKeys = new HashSet<>();
                if (!otherKeys.add(key)) throw json.error("duplicate field \"" + JsonReader.clip(key) + "\"");
                json.skipValue();
        }
    }

    private void mark(String key, int bit) throws ProtocolException {
        if ((seen & bit) != 0) throw json.error("duplicate field \"" + key + "\"");
        seen |= bit;
    }

    private long integer(String key, int bit) throws ProtocolException {
        mark(key, bit);
        if (!json.atNumber()) throw new ProtocolException("field \"" + key + "\" must be an integer");
        json.readNumber();
        if (!json.numberIsInteger) throw new ProtocolException("field \"" + key + "\" must be an integer");
        return json.longValue;
    }

    private String string(String key, int bit) throws ProtocolException {
        mark(key, bit);
        if (!json.atString()) throw new ProtocolException("field \"" + key + "\" must be a string");
        return json.readString();
    }

    private TelemetryMap.Builder telemetryBuilder() {
        if (telemetry == null) telemetry = TelemetryMap.builder();
        return telemetry;
    }

    /** The flat object of older senders: name to number, each a gauge without unit. */
    private void telemetry() throws ProtocolException {
        if (json.peek() != '{') throw new ProtocolException("field \"telemetry\" must be an object");
        if (!json.beginObject()) return;
        TelemetryMap.Builder b = telemetryBuilder();
        do {
            String key = json.readKey();
            if (key.isEmpty() || key.length() > Message.Heartbeat.MAX_KEY_LENGTH) {
                throw new ProtocolException("telemetry names must have 1 to " + Message.Heartbeat.MAX_KEY_LENGTH + " characters");
            }
            if (!json.atNumber()) throw new ProtocolException("telemetry value \"" + JsonReader.clip(key) + "\" must be a number");
            json.readNumber();
            Number value = json.numberIsInteger ? (Number) json.longValue : (Number) json.doubleValue;
            if (b.contains(key)) throw json.error("duplicate field \"" + JsonReader.clip(key) + "\"");
            try {
                b.flat(key, value);
            } catch (IllegalArgumentException e) {
                throw new ProtocolException("invalid heartbeat: " + e.getMessage());
            }
        } while (json.nextField());
    }

    /** The array of described samples: {name, unit, kind, attributes, value}. */
    private void metrics() throws ProtocolException {
        if (json.peek() != '[') throw new ProtocolException("field \"metrics\" must be an array");
        if (!json.beginArray()) return;
        TelemetryMap.Builder b = telemetryBuilder();
        do {
            Metric m = metric();
            try {
                b.metric(m);
            } catch (IllegalArgumentException e) {
                throw new ProtocolException("invalid heartbeat: " + e.getMessage());
            }
        } while (json.nextElement());
    }

    private Metric metric() throws ProtocolException {
        if (json.peek() != '{') throw new ProtocolException("each entry of \"metrics\" must be an object");
        String name = null, unit = "", kind = null;
        Map<String, String> attributes = Map.of();
        Number value = null;
        int fields = 0;
        Set<String> others = null;
        if (json.beginObject()) {
            do {
                String key = json.readKey();
                switch (key) {
                    case "name": fields = once(fields, 1, key); name = metricString(key); break;
                    case "unit": fields = once(fields, 2, key); unit = metricString(key); break;
                    case "kind": fields = once(fields, 4, key); kind = metricString(key); break;
                    case "attributes": fields = once(fields, 8, key); attributes = attributes(); break;
                    case "value":
                        fields = once(fields, 16, key);
                        if (!json.atNumber()) throw new ProtocolException("metric \"value\" must be a number");
                        json.readNumber();
                        value = json.numberIsInteger ? (Number) json.longValue : (Number) json.doubleValue;
                        break;
                    default:
                        if (others == null) others = new HashSet<>();
                        if (!others.add(key)) throw json.error("duplicate field \"" + JsonReader.clip(key) + "\"");
                        json.skipValue();
                }
            } while (json.nextField());
        }
        if (name == null) throw new ProtocolException("invalid heartbeat: a metric without \"name\"");
        if (kind == null) throw new ProtocolException("invalid heartbeat: metric \"" + JsonReader.clip(name) + "\" without \"kind\"");
        if (value == null) throw new ProtocolException("invalid heartbeat: metric \"" + JsonReader.clip(name) + "\" without \"value\"");
        Metric.Kind k = Metric.Kind.fromWire(kind);
        if (k == null) throw new ProtocolException("invalid heartbeat: kind of \"" + JsonReader.clip(name) + "\" must be counter or gauge");
        try {
            return new Metric(name, unit, k, attributes, value);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("invalid heartbeat: " + e.getMessage());
        }
    }

    private int once(int fields, int bit, String key) throws ProtocolException {
        if ((fields & bit) != 0) throw json.error("duplicate field \"" + key + "\"");
        return fields | bit;
    }

    private String metricString(String key) throws ProtocolException {
        if (!json.atString()) throw new ProtocolException("metric \"" + key + "\" must be a string");
        return json.readString();
    }

    /** String to string, at most {@link Metric#MAX_ATTRIBUTES} (checked while reading, before any more work). */
    private Map<String, String> attributes() throws ProtocolException {
        if (json.peek() != '{') throw new ProtocolException("metric \"attributes\" must be an object");
        if (!json.beginObject()) return Map.of();
        TreeMap<String, String> map = new TreeMap<>();
        do {
            String key = json.readKey();
            if (!json.atString()) throw new ProtocolException("attribute \"" + JsonReader.clip(key) + "\" must be a string");
            if (map.put(key, json.readString()) != null) throw json.error("duplicate field \"" + JsonReader.clip(key) + "\"");
            if (map.size() > Metric.MAX_ATTRIBUTES) {
                throw new ProtocolException("invalid heartbeat: a metric has more than " + Metric.MAX_ATTRIBUTES + " attributes");
            }
        } while (json.nextField());
        return map;
    }

    private Message build() throws ProtocolException {
        if ((seen & V) == 0) throw new ProtocolException("missing field \"v\"");
        if (v != Message.VERSION) throw new ProtocolException("unsupported protocol version " + v + " (this side speaks 1)");
        if (type == null) throw new ProtocolException("missing field \"type\"");
        try {
            switch (type) {
                case "heartbeat":
                    require(SEQ, "seq");
                    require(UPTIME, "uptime_ms");
                    return new Message.Heartbeat(seq, uptime,
                            (seen & PROGRESS) != 0 ? OptionalLong.of(progress) : OptionalLong.empty(),
                            (seen & GC) != 0 ? OptionalLong.of(gcPause) : OptionalLong.empty(),
                            telemetry == null ? TelemetryMap.EMPTY : telemetry.build());
                case "hello":
                    require(VASSAL, "vassal");
                    require(WORKER, "worker");
                    require(TOKEN, "token");
                    require(PID, "pid");
                    if (worker > Integer.MAX_VALUE) throw new ProtocolException("invalid hello: worker out of range");
                    return new Message.Hello(vassal, (int) worker, token, pid, runtime, agent);
                case "ready":
                    return new Message.Ready();
                case "reload":
                    return new Message.Reload(reason);
                case "event": {
                    require(SEVERITY, "severity");
                    require(MESSAGE, "message");
                    Severity s = Severity.fromWire(severity);
                    if (s == null) throw new ProtocolException("invalid event: severity must be info, warning or error");
                    return new Message.Event(s, message);
                }
                case "goodbye":
                    return new Message.Goodbye(reason);
                case "welcome":
                    require(HEARTBEAT_MS, "heartbeat_ms");
                    return new Message.Welcome(heartbeatMs);
                case "error":
                    require(MESSAGE, "message");
                    return new Message.Error(message);
                default:
                    throw new ProtocolException("unknown message type \"" + JsonReader.clip(type) + "\"");
            }
        } catch (IllegalArgumentException e) {
            // The records' constructors hold the value rules (non-negative, non-empty, ...).
            throw new ProtocolException("invalid " + type + ": " + e.getMessage());
        }
    }

    private void require(int bit, String key) throws ProtocolException {
        if ((seen & bit) == 0) throw new ProtocolException("invalid " + type + ": missing field \"" + key + "\"");
    }
}
