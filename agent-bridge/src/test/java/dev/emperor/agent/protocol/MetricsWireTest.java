package dev.emperor.agent.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The {@code metrics} array of a heartbeat: names, units, kinds, attributes, and the bounds a peer must keep. */
class MetricsWireTest {

    private static final String HEAD = "{\"v\":1,\"type\":\"heartbeat\",\"seq\":1,\"uptime_ms\":1,";

    @Test
    void decodesDescribedMetricsBesideFlatTelemetry() throws Exception {
        Message.Heartbeat h = (Message.Heartbeat) Frames.decode(HEAD
                + "\"metrics\":[{\"name\":\"jvm.memory.used\",\"unit\":\"By\",\"kind\":\"gauge\","
                + "\"attributes\":{\"jvm.memory.type\":\"heap\",\"jvm.memory.pool.name\":\"G1 Eden Space\"},\"value\":1024},"
                + "{\"name\":\"jvm.cpu.time\",\"unit\":\"s\",\"kind\":\"counter\",\"value\":1.5}],"
                + "\"telemetry\":{\"app.queue\":3}}");
        TelemetryMap t = (TelemetryMap) h.telemetry();

        assertThat(t).containsEntry("jvm.memory.used{jvm.memory.pool.name=G1 Eden Space,jvm.memory.type=heap}", 1024L)
                .containsEntry("jvm.cpu.time", 1.5).containsEntry("app.queue", 3L).hasSize(3);
        Metric mem = t.metric("jvm.memory.used{jvm.memory.pool.name=G1 Eden Space,jvm.memory.type=heap}");
        assertThat(mem.unit()).isEqualTo("By");
        assertThat(mem.kind()).isEqualTo(Metric.Kind.GAUGE);
        assertThat(mem.attributes()).containsExactly(Map.entry("jvm.memory.pool.name", "G1 Eden Space"),
                Map.entry("jvm.memory.type", "heap"));
        assertThat(t.metric("jvm.cpu.time").kind()).isEqualTo(Metric.Kind.COUNTER);
        assertThat(t.metric("app.queue")).as("an old agent's entry: a gauge without unit")
                .isEqualTo(new Metric("app.queue", "", Metric.Kind.GAUGE, Map.of(), 3L));
        assertThat(t.isFlat("app.queue")).isTrue();
        assertThat(t.isFlat("jvm.cpu.time")).isFalse();
    }

    @Test
    void roundTripsThroughBothEncoders() throws Exception {
        Metric used = new Metric("jvm.memory.used", "By", Metric.Kind.GAUGE, Map.of("jvm.memory.type", "heap"), 7L);
        Metric cpu = new Metric("process.cpu.time", "s", Metric.Kind.COUNTER, Map.of(), 0.25);
        TelemetryMap t = TelemetryMap.builder().metric(used).flat("app.x", 2L).metric(cpu).build();
        Message.Heartbeat h = new Message.Heartbeat(3, 9, OptionalLong.of(1), OptionalLong.empty(), t);
        Message.Heartbeat back = (Message.Heartbeat) Frames.decode(Frames.encode(h));
        assertThat(((TelemetryMap) back.telemetry()).metrics()).containsExactlyInAnyOrder(used, cpu, Metric.flat("app.x", 2L));

        HeartbeatEncoder e = new HeartbeatEncoder().begin(3, 9);
        e.addMetric(HeartbeatEncoder.metric("jvm.memory.used", "By", Metric.Kind.GAUGE, Map.of("jvm.memory.type", "heap")), 7L);
        e.add(HeartbeatEncoder.key("app.x"), 2L);
        e.addMetric(HeartbeatEncoder.metric("process.cpu.time", "s", Metric.Kind.COUNTER, Map.of()), 0.25);
        var buf = e.end(1, -1);
        Message.Heartbeat fromEncoder = (Message.Heartbeat) Frames.decode(java.util.Arrays.copyOf(buf.array(), buf.limit()));
        assertThat(fromEncoder).isEqualTo(back);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[{\"unit\":\"s\",\"kind\":\"gauge\",\"value\":1}]|without \"name\"",
            "[{\"name\":\"a\",\"value\":1}]|without \"kind\"",
            "[{\"name\":\"a\",\"kind\":\"gauge\"}]|without \"value\"",
            "[{\"name\":\"a\",\"kind\":\"histogram\",\"value\":1}]|must be counter or gauge",
            "[{\"name\":\"a\",\"kind\":\"counter\",\"value\":-1}]|must not be negative",
            "[{\"name\":\"a b\",\"kind\":\"gauge\",\"value\":1}]|may hold only letters",
            "[{\"name\":\"a\",\"unit\":\"\",\"kind\":\"gauge\",\"value\":\"1\"}]|must be a number",
            "[{\"name\":\"a\",\"unit\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"kind\":\"gauge\",\"value\":1}]|at most 32",
            "[{\"name\":\"a\",\"kind\":\"gauge\",\"attributes\":{\"k\":1},\"value\":1}]|must be a string",
            "[{\"name\":\"a\",\"kind\":\"gauge\",\"attributes\":{\"k\":\"v\",\"k\":\"w\"},\"value\":1}]|duplicate field \"k\"",
            "[{\"name\":\"a\",\"kind\":\"gauge\",\"value\":1},{\"name\":\"a\",\"kind\":\"gauge\",\"value\":2}]|appears twice",
            "[{\"name\":\"a\",\"kind\":\"gauge\",\"value\":1},{\"name\":\"a\",\"kind\":\"counter\",\"attributes\":{\"x\":\"y\"},\"value\":2}]|is a counter",
            "[{\"name\":\"a\",\"unit\":\"s\",\"kind\":\"gauge\",\"value\":1},{\"name\":\"a\",\"unit\":\"ms\",\"kind\":\"gauge\",\"attributes\":{\"x\":\"y\"},\"value\":2}]|in \"s\"",
            "{\"name\":\"a\"}|must be an array",
            "[1]|must be an object",
    })
    void refusesBadMetrics(String metrics, String expected) {
        assertThatThrownBy(() -> Frames.decode(HEAD + "\"metrics\":" + metrics + "}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining(expected);
    }

    @Test
    void aFlatEntryAndADescribedOneOfTheSameNameMustAgree() {
        assertThatThrownBy(() -> Frames.decode(HEAD + "\"telemetry\":{\"a\":1},"
                + "\"metrics\":[{\"name\":\"a\",\"kind\":\"counter\",\"attributes\":{\"x\":\"y\"},\"value\":2}]}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("is a counter");
    }

    @Test
    void boundsWhatAPeerSends() {
        StringBuilder attrs = new StringBuilder("{");
        for (int i = 0; i <= Metric.MAX_ATTRIBUTES; i++) attrs.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        assertThatThrownBy(() -> Frames.decode(HEAD + "\"metrics\":[{\"name\":\"a\",\"kind\":\"gauge\",\"attributes\":"
                + attrs + "},\"value\":1}]}")).hasMessageContaining("more than 16 attributes");
        String longValue = "v".repeat(Metric.MAX_ATTRIBUTE_VALUE_LENGTH + 1);
        assertThatThrownBy(() -> Frames.decode(HEAD + "\"metrics\":[{\"name\":\"a\",\"kind\":\"gauge\",\"attributes\":{\"k\":\""
                + longValue + "\"},\"value\":1}]}")).hasMessageContaining("at most 256 characters");
        String longKey = "k".repeat(Metric.MAX_ATTRIBUTE_KEY_LENGTH + 1);
        assertThatThrownBy(() -> Frames.decode(HEAD + "\"metrics\":[{\"name\":\"a\",\"kind\":\"gauge\",\"attributes\":{\""
                + longKey + "\":\"v\"},\"value\":1}]}")).hasMessageContaining("1 to 64");
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i <= Message.Heartbeat.MAX_TELEMETRY; i++) {
            many.append(i == 0 ? "" : ",").append("{\"name\":\"m").append(i).append("\",\"kind\":\"gauge\",\"value\":1}");
        }
        assertThatThrownBy(() -> Frames.decode(HEAD + "\"metrics\":" + many + "]}"))
                .hasMessageContaining("more than 1024 entries");
    }

    @Test
    void theEncoderKeepsTheLineWithinTheLimit() throws Exception {
        HeartbeatEncoder e = new HeartbeatEncoder().begin(1, 1);
        int added = 0;
        for (int i = 0; i < 5000; i++) {
            byte[] m = HeartbeatEncoder.metric("some.long.metric.name." + i, "By", Metric.Kind.GAUGE,
                    Map.of("attribute.one", "a fairly long attribute value " + i));
            if (!e.addMetric(m, Long.MAX_VALUE)) break;
            added++;
        }
        e.add(HeartbeatEncoder.key("late"), 1L); // may or may not fit; must not break the line
        var buf = e.end(Long.MAX_VALUE, Long.MAX_VALUE);
        assertThat(buf.limit()).isLessThanOrEqualTo(Frames.MAX_LINE_BYTES);
        Message.Heartbeat h = (Message.Heartbeat) Frames.decode(java.util.Arrays.copyOf(buf.array(), buf.limit()));
        assertThat(h.telemetry().size()).isGreaterThanOrEqualTo(added).isGreaterThan(100);
        assertThat(TelemetryMap.of(List.of()).isEmpty()).isTrue();
    }
}
