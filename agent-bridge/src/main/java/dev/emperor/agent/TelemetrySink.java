package dev.emperor.agent;

import dev.emperor.agent.protocol.HeartbeatEncoder;
import java.util.Map;

/** Where a heartbeat's telemetry goes: the encoder (the agent) or a map (tests, tools). */
interface TelemetrySink {

    /** False when the heartbeat is full: stop adding. */
    boolean put(Key key, long value);

    boolean put(Key key, double value);

    /** A telemetry name with its JSON form, made once: no encoding work per heartbeat. */
    final class Key {
        final String name;
        final byte[] json;

        Key(String name) {
            this.name = name;
            this.json = HeartbeatEncoder.key(name);
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
                return encoder.add(key.json, value);
            }

            @Override
            public boolean put(Key key, double value) {
                return encoder.add(key.json, value);
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
