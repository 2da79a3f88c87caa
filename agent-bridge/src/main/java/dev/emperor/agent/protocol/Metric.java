package dev.emperor.agent.protocol;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One telemetry sample with what a reader needs to use it: an OpenTelemetry-style name, its
 * unit (UCUM, {@code ""} for none), whether it only grows ({@link Kind#COUNTER}) or goes up
 * and down ({@link Kind#GAUGE}), and its attributes. An entry of the flat {@code telemetry}
 * object of older senders is a gauge without unit or attributes.
 *
 * @param attributes sorted by key, unmodifiable; at most {@value #MAX_ATTRIBUTES}
 * @param value      a {@link Long} or a finite {@link Double} (as decoded: integers are Longs); a
 *                   counter's is never negative
 */
public record Metric(String name, String unit, Kind kind, Map<String, String> attributes, Number value) {

    public static final int MAX_UNIT_LENGTH = 32;
    public static final int MAX_ATTRIBUTES = 16;
    public static final int MAX_ATTRIBUTE_KEY_LENGTH = 64;
    public static final int MAX_ATTRIBUTE_VALUE_LENGTH = 256;

    /** Counter or gauge, as the wire spells it. */
    public enum Kind {
        GAUGE("gauge"), COUNTER("counter");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        public String wireName() {
            return wire;
        }

        /** The kind for a wire name, or null. */
        public static Kind fromWire(String s) {
            for (Kind k : values()) {
                if (k.wire.equals(s)) return k;
            }
            return null;
        }
    }

    public Metric {
        checkName(name);
        require(unit != null && unit.length() <= MAX_UNIT_LENGTH && printableAscii(unit),
                "unit of \"" + name + "\" must be at most " + MAX_UNIT_LENGTH + " printable ASCII characters");
        require(kind != null, "kind of \"" + name + "\" must be counter or gauge");
        attributes = checkAttributes(name, attributes);
        value = checkValue(name, value);
        require(kind != Kind.COUNTER || value.doubleValue() >= 0, "counter \"" + name + "\" must not be negative");
    }

    /** A gauge without unit or attributes: what an entry of the flat {@code telemetry} object is. */
    public static Metric flat(String name, Number value) {
        return new Metric(name, "", Kind.GAUGE, Map.of(), value);
    }

    /** The same metric with another value (the encoder's descriptors are made once, values change). */
    public Metric withValue(Number newValue) {
        return new Metric(name, unit, kind, attributes, newValue);
    }

    /**
     * The series key: the name, then {@code {k=v,k2=v2}} with the attributes sorted by key when
     * there are any. It names one series of a worker in /stats and in the telemetry map.
     */
    public String key() {
        return key(name, attributes);
    }

    static String key(String name, Map<String, String> sortedAttributes) {
        if (sortedAttributes.isEmpty()) return name;
        StringBuilder sb = new StringBuilder(name.length() + 32 * sortedAttributes.size()).append(name).append('{');
        boolean first = true;
        for (Map.Entry<String, String> a : sortedAttributes.entrySet()) {
            if (!first) sb.append(',');
            first = false;
            sb.append(a.getKey()).append('=').append(a.getValue());
        }
        return sb.append('}').toString();
    }

    /** Any name: 1 to 256 characters (a flat entry's name may hold any character). */
    static void checkName(String name) {
        require(name != null && !name.isEmpty() && name.length() <= Message.Heartbeat.MAX_KEY_LENGTH,
                "metric names must have 1 to " + Message.Heartbeat.MAX_KEY_LENGTH + " characters");
    }

    /**
     * The name of an entry of {@code metrics}: only {@code [A-Za-z0-9_.:/-]}, so that its series
     * key cannot be mistaken for another one.
     */
    static void checkStructuredName(String name) {
        checkName(name);
        require(plainName(name), "metric name \"" + JsonReader.clip(name) + "\" may hold only letters, digits and _.:/-");
    }

    private static Map<String, String> checkAttributes(String name, Map<String, String> attributes) {
        if (attributes == null || attributes.isEmpty()) return Map.of();
        require(attributes.size() <= MAX_ATTRIBUTES, "\"" + name + "\" has more than " + MAX_ATTRIBUTES + " attributes");
        TreeMap<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, String> a : attributes.entrySet()) {
            String k = a.getKey();
            String v = a.getValue();
            require(k != null && !k.isEmpty() && k.length() <= MAX_ATTRIBUTE_KEY_LENGTH && plainName(k),
                    "attribute names of \"" + name + "\" must have 1 to " + MAX_ATTRIBUTE_KEY_LENGTH
                            + " of letters, digits and _.:/-");
            require(v != null && v.length() <= MAX_ATTRIBUTE_VALUE_LENGTH,
                    "attribute \"" + k + "\" of \"" + name + "\" must be a string of at most "
                            + MAX_ATTRIBUTE_VALUE_LENGTH + " characters");
            sorted.put(k, v);
        }
        return Collections.unmodifiableMap(sorted);
    }

    static Number checkValue(String name, Number value) {
        if (value instanceof Long) return value;
        if (value instanceof Double && Double.isFinite((Double) value)) return value;
        throw new IllegalArgumentException("value of \"" + name + "\" must be a Long or a finite Double");
    }

    private static boolean plainName(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
            if (!ok) return false;
        }
        return true;
    }

    private static boolean printableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) return false;
        }
        return true;
    }

    private static void require(boolean ok, String what) {
        if (!ok) throw new IllegalArgumentException(what);
    }
}
