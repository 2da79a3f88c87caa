package dev.emperor.agent.protocol;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The checked, unmodifiable, insertion-ordered telemetry of a {@link Message.Heartbeat}.
 * The decoder builds one directly, so a decoded heartbeat's map is not copied again.
 */
final class TelemetryMap extends AbstractMap<String, Number> {

    static final TelemetryMap EMPTY = new TelemetryMap(new LinkedHashMap<>());

    private final Map<String, Number> entries;

    /** Takes ownership of {@code checked}, whose entries the caller has validated. */
    TelemetryMap(LinkedHashMap<String, Number> checked) {
        this.entries = Collections.unmodifiableMap(checked);
    }

    /** {@code map} itself when it is already checked, else a checked copy. */
    static TelemetryMap of(Map<String, ? extends Number> map) {
        if (map instanceof TelemetryMap) return (TelemetryMap) map;
        if (map == null) throw new IllegalArgumentException("telemetry must be an object");
        if (map.isEmpty()) return EMPTY;
        if (map.size() > Message.Heartbeat.MAX_TELEMETRY) {
            throw new IllegalArgumentException("telemetry has more than " + Message.Heartbeat.MAX_TELEMETRY + " entries");
        }
        LinkedHashMap<String, Number> copy = new LinkedHashMap<>(capacity(map.size()));
        for (Map.Entry<String, ? extends Number> e : map.entrySet()) {
            checkKey(e.getKey());
            copy.put(e.getKey(), checkValue(e.getKey(), e.getValue()));
        }
        return new TelemetryMap(copy);
    }

    static int capacity(int size) {
        return size < 12 ? 16 : (int) (size / 0.75f) + 1;
    }

    static void checkKey(String key) {
        if (key == null || key.isEmpty() || key.length() > Message.Heartbeat.MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("telemetry names must have 1 to " + Message.Heartbeat.MAX_KEY_LENGTH + " characters");
        }
    }

    private static Number checkValue(String key, Number value) {
        if (value instanceof Long) return value;
        if (value instanceof Double && Double.isFinite((Double) value)) return value;
        throw new IllegalArgumentException("telemetry value of \"" + key + "\" must be a Long or a finite Double");
    }

    @Override
    public Set<Entry<String, Number>> entrySet() {
        return entries.entrySet();
    }

    @Override
    public Number get(Object key) {
        return entries.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return entries.containsKey(key);
    }

    @Override
    public int size() {
        return entries.size();
    }
}
