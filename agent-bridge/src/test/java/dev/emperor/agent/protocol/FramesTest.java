package dev.emperor.agent.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class FramesTest {

    static List<Message> everyKind() {
        Map<String, Number> telemetry = new LinkedHashMap<>();
        telemetry.put("heap.used", 123456789L);
        telemetry.put("gc.G1_Young_Generation.count", 7L);
        telemetry.put("app.latency.total_ms", 12.5);
        telemetry.put("tiny", 1.0E-7);
        telemetry.put("negative", -3L);
        telemetry.put("min", Long.MIN_VALUE);
        telemetry.put("max", Long.MAX_VALUE);
        return List.of(
                new Message.Hello("web", 1, "s3cr3t", 1234, "java 21.0.2", "0.1.0"),
                new Message.Hello("wéb \"quoted\" \\ \n\t\u0001 😀", Integer.MAX_VALUE, "", Long.MAX_VALUE, null, null),
                new Message.Heartbeat(17, 123456, OptionalLong.of(9876), OptionalLong.of(12), telemetry),
                new Message.Heartbeat(0, 0),
                new Message.Ready(),
                new Message.Reload("config changed"),
                new Message.Reload(""),
                new Message.Event(Severity.WARNING, "queue is 90% full"),
                new Message.Event(Severity.ERROR, "日本語"),
                new Message.Goodbye("shutdown"),
                new Message.Welcome(5000),
                new Message.Welcome(0),
                new Message.Error("bad token"));
    }

    @ParameterizedTest
    @MethodSource("everyKind")
    void everyMessageSurvivesARoundTrip(Message message) throws Exception {
        byte[] line = Frames.encode(message);

        assertThat(line[line.length - 1]).isEqualTo((byte) '\n');
        for (int i = 0; i < line.length - 1; i++) assertThat(line[i]).as("byte %d", i).isNotEqualTo((byte) '\n');
        assertThat(Frames.decode(line)).isEqualTo(message);
    }

    @Test
    void encodesTheDocumentedLines() {
        assertThat(text(new Message.Welcome(5000))).isEqualTo("{\"v\":1,\"type\":\"welcome\",\"heartbeat_ms\":5000}\n");
        assertThat(text(new Message.Error("bad token"))).isEqualTo("{\"v\":1,\"type\":\"error\",\"message\":\"bad token\"}\n");
        assertThat(text(new Message.Ready())).isEqualTo("{\"v\":1,\"type\":\"ready\"}\n");
        assertThat(text(new Message.Hello("web", 1, "t", 1234, "java 21.0.2", "0.1.0")))
                .isEqualTo("{\"v\":1,\"type\":\"hello\",\"vassal\":\"web\",\"worker\":1,\"token\":\"t\",\"pid\":1234,"
                        + "\"runtime\":\"java 21.0.2\",\"agent\":\"0.1.0\"}\n");
        assertThat(text(new Message.Heartbeat(17, 123456, OptionalLong.of(9876), OptionalLong.of(12),
                Map.of("threads", 12L)))).isEqualTo(
                "{\"v\":1,\"type\":\"heartbeat\",\"seq\":17,\"uptime_ms\":123456,\"progress\":9876,\"gc_pause_ms\":12,"
                        + "\"telemetry\":{\"threads\":12}}\n");
        assertThat(text(new Message.Event(Severity.INFO, "a\"b"))).isEqualTo(
                "{\"v\":1,\"type\":\"event\",\"severity\":\"info\",\"message\":\"a\\\"b\"}\n");
    }

    @Test
    void decodesWhatOtherLanguagesMayWrite() throws Exception {
        // Field order, whitespace, escapes, exponents and unknown fields are all fine.
        Message m = Frames.decode(" { \"telemetry\" : {\"a\": 1e3, \"b\": -0, \"c\": 0.5E-2} , \"uptime_ms\":5,"
                + "\"future\": {\"x\": [1, true, null, \"s\", {\"y\": []}]}, \"type\":\"heartbeat\",\"seq\":1,\"v\":1}\r\n");
        assertThat(m).isInstanceOf(Message.Heartbeat.class);
        Message.Heartbeat h = (Message.Heartbeat) m;
        assertThat(h.telemetry()).containsExactly(Map.entry("a", 1000.0), Map.entry("b", 0L), Map.entry("c", 0.005));
        assertThat(h.progress()).isEmpty();
        assertThat(h.gcPauseMs()).isEmpty();

        assertThat(Frames.decode("{\"v\":1,\"type\":\"event\",\"severity\":\"info\",\"message\":\"\\u00e9\\ud83d\\ude00\\/\\b\\f\"}"))
                .isEqualTo(new Message.Event(Severity.INFO, "é😀/\b\f"));
        assertThat(Frames.decode("{\"v\":1,\"type\":\"reload\"}")).isEqualTo(new Message.Reload(""));
        assertThat(Frames.decode("{\"v\":1,\"type\":\"goodbye\"}")).isEqualTo(new Message.Goodbye(""));
        assertThat(Frames.decode("{\"v\":1,\"type\":\"hello\",\"vassal\":\"w\",\"worker\":2,\"token\":\"\",\"pid\":9}"))
                .isEqualTo(new Message.Hello("w", 2, "", 9, null, null));
        // Fields of other message types are checked as JSON, then ignored.
        assertThat(Frames.decode("{\"v\":1,\"type\":\"ready\",\"seq\":3}")).isEqualTo(new Message.Ready());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "``|expected an object",
            "`   `|expected an object",
            "[]|expected an object",
            "`\"ready\"`|expected an object",
            "{|expected a field name",
            "{}|missing field \"v\"",
            "`{\"v\":1}`|missing field \"type\"",
            "`{\"v\":2,\"type\":\"ready\"}`|unsupported protocol version 2",
            "`{\"v\":\"1\",\"type\":\"ready\"}`|field \"v\" must be an integer",
            "`{\"v\":1.0,\"type\":\"ready\"}`|field \"v\" must be an integer",
            "`{\"v\":1,\"type\":\"nope\"}`|unknown message type \"nope\"",
            "`{\"v\":1,\"type\":7}`|field \"type\" must be a string",
            "`{\"v\":1,\"type\":\"ready\",\"v\":1}`|duplicate field \"v\"",
            "`{\"v\":1,\"type\":\"ready\",\"x\":1,\"x\":2}`|duplicate field \"x\"",
            "`{\"v\":1,\"type\":\"ready\",\"x\":{\"a\":1,\"a\":1}}`|duplicate field \"a\"",
            "`{\"v\":1,\"type\":\"ready\"} x`|after the object",
            "`{\"v\":1,\"type\":\"ready\",}`|expected a field name after ','",
            "`{\"v\":1 \"type\":\"ready\"}`|expected ',' or '}'",
            "`{\"v\":01,\"type\":\"ready\"}`|leading zero",
            "`{\"v\":1,\"type\":\"ready\",\"x\":1.}`|incomplete number",
            "`{\"v\":1,\"type\":\"ready\",\"x\":.5}`|unexpected '.'",
            "`{\"v\":1,\"type\":\"ready\",\"x\":+1}`|unexpected '+'",
            "`{\"v\":1,\"type\":\"ready\",\"x\":1e}`|incomplete number",
            "`{\"v\":1,\"type\":\"ready\",\"x\":-}`|invalid number",
            "`{\"v\":1,\"type\":\"ready\",\"x\":NaN}`|unexpected 'N'",
            "`{\"v\":1,\"type\":\"ready\",\"x\":tru}`|invalid literal",
            "`{\"v\":1,\"type\":\"ready\",\"x\":[1,]}`|unexpected ']'",
            "`{\"v\":1,\"type\":\"ready\",\"x\":[1 2]}`|expected ',' or ']'",
            "`{\"v\":1,\"type\":\"ready\",\"x\":\"\\x\"}`|invalid escape",
            "`{\"v\":1,\"type\":\"ready\",\"x\":\"\\u12\"}`|invalid \\u escape",
            "`{\"v\":1,\"type\":\"ready\",\"x\":\"\\ud800\"}`|unpaired surrogate",
            "`{\"v\":1,\"type\":\"ready\",\"x\":\"\\udc00\"}`|unpaired surrogate",
            "`{\"v\":1,\"type\":\"ready\",\"x\":\"abc`|unterminated string",
            "`{\"v\":1,\"type\":\"ready\",\"x\":[[[[[[[[1]]]]]]]]}`|nesting deeper than 8",
            "`{\"v\":1,\"type\":\"ready\",\"x\":99999999999999999999}`|integer out of the signed 64-bit range",
            "`{\"v\":1,\"type\":\"ready\",\"x\":1e400}`|number out of range",
            "`{\"v\":1,\"type\":\"hello\",\"vassal\":\"\",\"worker\":1,\"token\":\"t\",\"pid\":1}`|vassal must be a non-empty string",
            "`{\"v\":1,\"type\":\"hello\",\"vassal\":\"w\",\"worker\":0,\"token\":\"t\",\"pid\":1}`|worker must be at least 1",
            "`{\"v\":1,\"type\":\"hello\",\"vassal\":\"w\",\"worker\":4294967296,\"token\":\"t\",\"pid\":1}`|worker out of range",
            "`{\"v\":1,\"type\":\"hello\",\"vassal\":\"w\",\"worker\":1,\"pid\":1}`|missing field \"token\"",
            "`{\"v\":1,\"type\":\"hello\",\"vassal\":\"w\",\"worker\":1,\"token\":null,\"pid\":1}`|field \"token\" must be a string",
            "`{\"v\":1,\"type\":\"heartbeat\",\"uptime_ms\":1}`|missing field \"seq\"",
            "`{\"v\":1,\"type\":\"heartbeat\",\"seq\":-1,\"uptime_ms\":1}`|seq must not be negative",
            "`{\"v\":1,\"type\":\"heartbeat\",\"seq\":1,\"uptime_ms\":1,\"progress\":-5}`|progress must not be negative",
            "`{\"v\":1,\"type\":\"heartbeat\",\"seq\":1,\"uptime_ms\":1,\"telemetry\":[]}`|field \"telemetry\" must be an object",
            "`{\"v\":1,\"type\":\"heartbeat\",\"seq\":1,\"uptime_ms\":1,\"telemetry\":{\"a\":\"1\"}}`|telemetry value \"a\" must be a number",
            "`{\"v\":1,\"type\":\"heartbeat\",\"seq\":1,\"uptime_ms\":1,\"telemetry\":{\"a\":{}}}`|telemetry value \"a\" must be a number",
            "`{\"v\":1,\"type\":\"heartbeat\",\"seq\":1,\"uptime_ms\":1,\"telemetry\":{\"\":1}}`|telemetry names must have 1 to 256",
            "`{\"v\":1,\"type\":\"heartbeat\",\"seq\":1,\"uptime_ms\":1,\"telemetry\":{\"a\":1,\"a\":2}}`|duplicate field \"a\"",
            "`{\"v\":1,\"type\":\"event\",\"severity\":\"fatal\",\"message\":\"x\"}`|severity must be info, warning or error",
            "`{\"v\":1,\"type\":\"event\",\"severity\":\"info\"}`|missing field \"message\"",
            "`{\"v\":1,\"type\":\"welcome\"}`|missing field \"heartbeat_ms\"",
            "`{\"v\":1,\"type\":\"welcome\",\"heartbeat_ms\":-1}`|heartbeat_ms must not be negative",
    })
    void rejectsWithAClearMessage(String line, String expected) {
        assertThatThrownBy(() -> Frames.decode(line)).isInstanceOf(ProtocolException.class).hasMessageContaining(expected);
    }

    @Test
    void rejectsBytesThatAreNotUtf8() {
        byte[][] bad = {
                {(byte) 0xC0, (byte) 0xAF},                   // overlong '/'
                {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},      // overlong
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80},      // UTF-16 surrogate
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
                {(byte) 0xFF},
                {(byte) 0x80},                                 // continuation without lead
                {(byte) 0xE2, (byte) 0x82},                    // truncated
        };
        for (byte[] b : bad) {
            byte[] line = concat("{\"v\":1,\"type\":\"event\",\"severity\":\"info\",\"message\":\"", b, "\"}");
            assertThatThrownBy(() -> Frames.decode(line)).isInstanceOf(ProtocolException.class).hasMessageContaining("invalid UTF-8");
        }
        // Outside strings any byte above 0x7F is a syntax error, never a crash.
        assertThatThrownBy(() -> Frames.decode(concat("{", new byte[] {(byte) 0xC3, (byte) 0xA9}, "}")))
                .isInstanceOf(ProtocolException.class);
        // Raw control characters are not allowed inside strings.
        assertThatThrownBy(() -> Frames.decode("{\"v\":1,\"type\":\"error\",\"message\":\"a\u0007\"}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("control character");
    }

    @Test
    void acceptsEveryValidUtf8Width() throws Exception {
        String text = "a é € 😀 \u07FF \uFFFD \uD7FF \uE000 \uDBFF\uDFFF";
        Message m = Frames.decode(concat("{\"v\":1,\"type\":\"error\",\"message\":\"", text.getBytes(StandardCharsets.UTF_8), "\"}"));
        assertThat(m).isEqualTo(new Message.Error(text));
    }

    @Test
    void integersCoverTheSigned64BitRangeExactly() throws Exception {
        String max = "{\"v\":1,\"type\":\"heartbeat\",\"seq\":1,\"uptime_ms\":1,\"telemetry\":{\"a\":9223372036854775807,\"b\":-9223372036854775808}}";
        assertThat(((Message.Heartbeat) Frames.decode(max)).telemetry())
                .containsEntry("a", Long.MAX_VALUE).containsEntry("b", Long.MIN_VALUE);
        assertThatThrownBy(() -> Frames.decode(max.replace("807", "808"))).hasMessageContaining("64-bit");
        assertThatThrownBy(() -> Frames.decode(max.replace("-9223372036854775808", "-9223372036854775809"))).hasMessageContaining("64-bit");
        assertThatThrownBy(() -> Frames.decode(max.replace("807", "807" + "0".repeat(60))))
                .hasMessageContaining("number longer than 64");
    }

    @Test
    void depthEightIsTheLimit() throws Exception {
        String seven = "[".repeat(7) + "]".repeat(7); // the message object is level 1
        assertThat(Frames.decode("{\"v\":1,\"type\":\"ready\",\"x\":" + seven + "}")).isEqualTo(new Message.Ready());
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertThatThrownBy(() -> Frames.decode("{\"v\":1,\"type\":\"ready\",\"x\":" + deep.substring(0, 60_000) + "}"))
                .hasMessageContaining("nesting deeper than 8");
    }

    @Test
    void theEncoderRefusesLinesTheDecoderWouldReject() {
        String big = "x".repeat(Frames.MAX_LINE_BYTES);
        assertThatThrownBy(() -> Frames.encode(new Message.Event(Severity.INFO, big))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Message.Heartbeat(1, 1, OptionalLong.empty(), OptionalLong.empty(), Map.of("nan", Double.NaN)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Message.Heartbeat(1, 1, OptionalLong.empty(), OptionalLong.empty(), Map.of("int", 1)))
                .isInstanceOf(IllegalArgumentException.class);
        // A lone surrogate cannot be UTF-8: it goes out as U+FFFD.
        assertThat(text(new Message.Error("a\uD800b"))).contains("a\uFFFDb");
    }

    @Test
    void decodedTelemetryIsUnmodifiable() throws Exception {
        Message.Heartbeat h = (Message.Heartbeat) Frames.decode(
                "{\"v\":1,\"type\":\"heartbeat\",\"seq\":1,\"uptime_ms\":1,\"telemetry\":{\"a\":1}}");
        assertThatThrownBy(() -> h.telemetry().put("b", 2L)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(h.telemetry()).isEqualTo(Map.of("a", 1L));
    }

    private static String text(Message m) {
        return new String(Frames.encode(m), StandardCharsets.UTF_8);
    }

    static byte[] concat(String head, byte[] middle, String tail) {
        byte[] h = head.getBytes(StandardCharsets.UTF_8);
        byte[] t = tail.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[h.length + middle.length + t.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(middle, 0, out, h.length, middle.length);
        System.arraycopy(t, 0, out, h.length + middle.length, t.length);
        return out;
    }
}
