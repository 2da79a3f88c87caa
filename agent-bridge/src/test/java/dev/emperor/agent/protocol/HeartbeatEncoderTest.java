package dev.emperor.agent.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class HeartbeatEncoderTest {

    private static Message decode(ByteBuffer line) throws ProtocolException {
        return Frames.decode(Arrays.copyOfRange(line.array(), line.position(), line.limit()));
    }

    @Test
    void decodesToTheSameHeartbeatAsTheGeneralEncoder() throws Exception {
        HeartbeatEncoder e = new HeartbeatEncoder();
        e.begin(17, 123456);
        e.add(HeartbeatEncoder.key("heap.used"), 123456789L);
        e.add(HeartbeatEncoder.key("min"), Long.MIN_VALUE);
        e.add(HeartbeatEncoder.key("max"), Long.MAX_VALUE);
        e.add(HeartbeatEncoder.key("zero"), 0L);
        e.add(HeartbeatEncoder.key("ratio"), 0.25);
        e.add(HeartbeatEncoder.key("nan"), Double.NaN); // skipped
        e.add(HeartbeatEncoder.key("ünï \"cödé\""), 1.0E-7);
        ByteBuffer line = e.end(9876, 12);

        Map<String, Number> t = new LinkedHashMap<>();
        t.put("heap.used", 123456789L);
        t.put("min", Long.MIN_VALUE);
        t.put("max", Long.MAX_VALUE);
        t.put("zero", 0L);
        t.put("ratio", 0.25);
        t.put("ünï \"cödé\"", 1.0E-7);
        assertThat(decode(line)).isEqualTo(new Message.Heartbeat(17, 123456, OptionalLong.of(9876), OptionalLong.of(12), t));
        assertThat(line.get(line.limit() - 1)).isEqualTo((byte) '\n');
        assertThat(e.entries()).isEqualTo(6);

        // Reused for the next beat; absent optional fields.
        ByteBuffer empty = e.begin(18, 1).end(-1, -1);
        assertThat(decode(empty)).isEqualTo(new Message.Heartbeat(18, 1));
    }

    @Test
    void stopsAddingBeforeTheLineGetsTooLong() throws Exception {
        HeartbeatEncoder e = new HeartbeatEncoder();
        e.begin(1, 1);
        int added = 0;
        while (e.add(HeartbeatEncoder.key("app.a_rather_long_metric_name_to_fill_the_line_" + added), Long.MAX_VALUE)) added++;
        ByteBuffer line = e.end(Long.MAX_VALUE, Long.MAX_VALUE);
        assertThat(line.remaining()).isLessThanOrEqualTo(Frames.MAX_LINE_BYTES);
        assertThat(((Message.Heartbeat) decode(line)).telemetry()).hasSize(added);
        assertThat(added).isGreaterThan(500);

        e.begin(2, 2);
        byte[] k = HeartbeatEncoder.key("k");
        int n = 0;
        while (e.add(k, 1L)) n++; // same name: only the count limit matters here
        assertThat(n).isEqualTo(Message.Heartbeat.MAX_TELEMETRY);
    }

    @Test
    void namesAreChecked() {
        assertThatThrownBy(() -> HeartbeatEncoder.key("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HeartbeatEncoder.key("x".repeat(257))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HeartbeatEncoder().add(HeartbeatEncoder.key("a"), 1L)).isInstanceOf(IllegalStateException.class);
    }
}
