package dev.emperor.agent;

import dev.emperor.agent.protocol.HeartbeatEncoder;
import dev.emperor.agent.protocol.Metric;
import java.util.Map;

/** Where a heartbeat's telemetry goes: the encoder (the agent) or a map (tests, tools). */
interface TelemetrySink {

    /** False when the heartbeat is full: stop adding. */
    boolean put(Key key, long value);

    boolean put(Key key, double value);

    /**
     * A telemetry series with its JSON form, made once: no encoding work per heartbeat. Either
     * a flat entry (a gauge without unit, in the {@code telemetry} object) or a described
     * metric (unit, kind, attributes, in the {@code metrics} array).
     */
    final class Key {
        /** The series key ({@link Metric#key()}): the name, plus the attributes if any. */
        final String name;
        final byte[] json;
        final boolean described;

        /** A flat entry. */
        Key(String name) {
            this.name = name;
            this.json = HeartbeatEncoder.key(name);
            this.described = false;
        }

        /** A described metric. */
        Key(String name, String unit, Metric.Kind kind, Map<String, String> attributes) {
            this.name = new Metric(name, unit, kind, attributes, 0L).key();
            this.json = HeartbeatEncoder.metric(name, unit, kind, attributes);
            this.described = true;
        }

        Key(String name, String unit, Metric.Kind kind) {
            this(name, unit, kind, Map.of());
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static TelemetrySink of(HeartbeatEncoder encoder) {
        return new TelemetrySink() {
            @Override
            public boolean put(Key key, long value) {
                return key.described ? encoder.addMetric(key.json, value) : encoder.add(key.json, value);
            }

            @Override
            public boolean put(Key key, double value) {
                return key.described ? encoder.addMetric(key.json, value) : encoder.add(key.json, value);
            }
        };
    }

    static TelemetrySink of(Map<String, Number> map) {
        return new TelemetrySink() {
            @Override
            public boolean put(Key key, long value) {
                map.put(key.name, value);
                return true;
            }

            @Override
            public boolean put(Key key, double value) {
                if (Double.isFinite(value)) map.put(key.name, value);
                return true;
            }
        };
    }
}
