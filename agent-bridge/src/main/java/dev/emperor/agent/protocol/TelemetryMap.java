package dev.emperor.agent.protocol;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checked, unmodifiable telemetry of a {@link Message.Heartbeat}: as a map, series key
 * ({@link Metric#key()}) to value, in the sender's order; {@link #metric} and
 * {@link #metrics()} add each series' unit, kind and attributes. The entries of the flat
 * {@code telemetry} object of older senders are gauges without unit (their key is their name).
 * The decoder builds one directly, so a decoded heartbeat's map is not copied again.
 *
 * <p>Rules (a violation is an {@link IllegalArgumentException}, a protocol error on the wire):
 * at most {@value Message.Heartbeat#MAX_TELEMETRY} entries in all; no series key twice; every
 * series of one name has the same unit and kind.
 */
public final class TelemetryMap extends AbstractMap<String, Number> {

    public static final TelemetryMap EMPTY = new Builder().build();

    private final Map<String, Number> values;
    /** Only the entries that came with a description (the {@code metrics} array). */
    private final Map<String, Metric> described;

    private TelemetryMap(LinkedHashMap<String, Number> values, Map<String, Metric> described) {
        this.values = Collections.unmodifiableMap(values);
        this.described = described;
    }

    /** {@code map} itself when it is already checked, else a checked copy of flat entries. */
    public static TelemetryMap of(Map<String, ? extends Number> map) {
        if (map instanceof TelemetryMap) return (TelemetryMap) map;
        if (map == null) throw new IllegalArgumentException("telemetry must be an object");
        if (map.isEmpty()) return EMPTY;
        Builder b = new Builder();
        for (Map.Entry<String, ? extends Number> e : map.entrySet()) b.flat(e.getKey(), e.getValue());
        return b.build();
    }

    /** Telemetry of described metrics (and no flat entries). */
    public static TelemetryMap of(List<Metric> metrics) {
        Builder b = new Builder();
        for (Metric m : metrics) b.metric(m);
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The series with this key, described; a flat entry as a gauge without unit; null if absent. */
    public Metric metric(String key) {
        Metric m = described.get(key);
        if (m != null) return m;
        Number v = values.get(key);
        return v == null ? null : Metric.flat(key, v);
    }

    /** Every series, described, in the sender's order. */
    public List<Metric> metrics() {
        List<Metric> out = new ArrayList<>(values.size());
        for (String key : values.keySet()) out.add(metric(key));
        return out;
    }

    /** Whether the entry with this key came from the flat {@code telemetry} object. */
    public boolean isFlat(String key) {
        return values.containsKey(key) && !described.containsKey(key);
    }

    static int capacity(int size) {
        return size < 12 ? 16 : (int) (size / 0.75f) + 1;
    }

    static void checkKey(String key) {
        if (key == null || key.isEmpty() || key.length() > Message.Heartbeat.MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("telemetry names must have 1 to " + Message.Heartbeat.MAX_KEY_LENGTH + " characters");
        }
    }

    @Override
    public Set<Entry<String, Number>> entrySet() {
        return values.entrySet();
    }

    @Override
    public Number get(Object key) {
        return values.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return values.containsKey(key);
    }

    @Override
    public int size() {
        return values.size();
    }

    /** Collects entries and checks the rules above as they come. Not thread-safe. */
    public static final class Builder {
        private final LinkedHashMap<String, Number> values = new LinkedHashMap<>(16);
        private Map<String, Metric> described = Map.of();
        /** Unit and kind per name, to refuse a name that changes either within one heartbeat. */
        private Map<String, Metric> byName;

        private Builder() {
        }

        /** An entry of the flat {@code telemetry} object: a gauge without unit. */
        public Builder flat(String name, Number value) {
            checkKey(name);
            Number v = Metric.checkValue(name, value);
            agree(name, "", Metric.Kind.GAUGE);
            add(name, v);
            return this;
        }

        /** An entry of the {@code metrics} array. */
        public Builder metric(Metric m) {
            Metric.checkStructuredName(m.name());
            agree(m.name(), m.unit(), m.kind());
            String key = m.key();
            add(key, m.value());
            if (described.isEmpty()) described = new HashMap<>();
            described.put(key, m);
            return this;
        }

        public int size() {
            return values.size();
        }

        public boolean contains(String key) {
            return values.containsKey(key);
        }

        private void add(String key, Number value) {
            if (values.size() >= Message.Heartbeat.MAX_TELEMETRY) {
                throw new IllegalArgumentException("telemetry has more than " + Message.Heartbeat.MAX_TELEMETRY + " entries");
            }
            if (values.putIfAbsent(key, value) != null) {
                throw new IllegalArgumentException("telemetry series \"" + JsonReader.clip(key) + "\" appears twice");
            }
        }

        private void agree(String name, String unit, Metric.Kind kind) {
            if (byName == null) byName = new HashMap<>();
            Metric first = byName.get(name);
            if (first == null) {
                byName.put(name, new Metric(name, unit, kind, Map.of(), 0L));
            } else if (!first.unit().equals(unit) || first.kind() != kind) {
                throw new IllegalArgumentException("metric \"" + JsonReader.clip(name) + "\" is a " + kind.wireName()
                        + " in \"" + unit + "\" here but a " + first.kind().wireName() + " in \"" + first.unit()
                        + "\" in an earlier entry of the same heartbeat");
            }
        }

        public TelemetryMap build() {
            return new TelemetryMap(values, described);
        }
    }
}
