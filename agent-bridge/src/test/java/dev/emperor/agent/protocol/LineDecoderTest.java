package dev.emperor.agent.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LineDecoderTest {

    private static final Message HELLO = new Message.Hello("web", 1, "t", 42, "java 17", "0.1.0");

    private static byte[] stream(Message... messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Message m : messages) out.writeBytes(Frames.encode(m));
        return out.toByteArray();
    }

    private static List<Message> conversation() {
        return List.of(HELLO,
                new Message.Heartbeat(1, 10, OptionalLong.of(5), OptionalLong.of(0), Map.of("heap.used", 1L, "cpu", 0.25)),
                new Message.Ready(),
                new Message.Heartbeat(2, 20),
                new Message.Event(Severity.INFO, "é 😀"),
                new Message.Reload("please"),
                new Message.Goodbye("bye"));
    }

    @Test
    void decodesTheSameWhateverTheChunking() throws Exception {
        List<Message> sent = conversation();
        byte[] bytes = stream(sent.toArray(Message[]::new));
        for (int chunk = 1; chunk <= bytes.length; chunk++) {
            for (boolean direct : new boolean[] {false, true}) {
                LineDecoder decoder = LineDecoder.fromWorker();
                List<Message> got = new ArrayList<>();
                for (int i = 0; i < bytes.length; i += chunk) {
                    int n = Math.min(chunk, bytes.length - i);
                    ByteBuffer in = direct ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n + 8).position(3);
                    in.put(bytes, i, n).flip();
                    if (!direct) in.position(3); // a buffer whose data does not start at index 0
                    decoder.decode(in, got::add);
                    assertThat(in.hasRemaining()).isFalse();
                }
                assertThat(got).as("chunk %d direct %s", chunk, direct).isEqualTo(sent);
                assertThat(decoder.buffered()).isZero();
                assertThat(decoder.lines()).isEqualTo(sent.size());
            }
        }
    }

    @Test
    void aLineOfExactlyTheLimitIsFineOneByteMoreIsNot() throws Exception {
        String prefix = "{\"v\":1,\"type\":\"ready\",\"pad\":\"";
        String suffix = "\"}";
        int pad = Frames.MAX_LINE_BYTES - 1 - prefix.length() - suffix.length(); // -1 for the newline
        byte[] exact = (prefix + "x".repeat(pad) + suffix + "\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(exact).hasSize(Frames.MAX_LINE_BYTES);

        List<Message> got = new ArrayList<>();
        LineDecoder ok = LineDecoder.unchecked();
        ok.decode(exact, 0, 1000, got::add);
        ok.decode(exact, 1000, exact.length - 1000, got::add);
        ok.decode(exact, 0, exact.length, got::add); // the zero-copy path
        assertThat(got).containsExactly(new Message.Ready(), new Message.Ready());

        byte[] over = (prefix + "x".repeat(pad + 1) + suffix + "\n").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> LineDecoder.unchecked().decode(over, 0, over.length, m -> { }))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("line longer than 65536 bytes");
    }

    @Test
    void anEndlessLineFailsAsSoonAsItIsTooLongWithoutWaitingForItsEnd() throws Exception {
        LineDecoder decoder = LineDecoder.unchecked();
        byte[] chunk = new byte[4096];
        java.util.Arrays.fill(chunk, (byte) ' ');
        int fed = 0;
        try {
            while (true) {
                decoder.decode(chunk, 0, chunk.length, m -> { });
                fed += chunk.length;
                assertThat(decoder.buffered()).isEqualTo(fed).isLessThan(Frames.MAX_LINE_BYTES);
            }
        } catch (ProtocolException e) {
            assertThat(e).hasMessageContaining("line longer than");
        }
        assertThat(fed).isEqualTo(Frames.MAX_LINE_BYTES - chunk.length);
        assertThat(decoder.failed()).isTrue();
        assertThat(decoder.buffered()).isZero();
        // Failed stays failed.
        assertThatThrownBy(() -> decoder.decode(Frames.encode(new Message.Ready()), 0, 19, m -> { }))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("line longer than");
    }

    @Test
    void messagesBeforeABadLineAreDelivered() {
        byte[] good = stream(HELLO, new Message.Ready());
        byte[] bytes = FramesTest.concat(new String(good, StandardCharsets.UTF_8), "nonsense\n".getBytes(StandardCharsets.US_ASCII), "");
        List<Message> got = new ArrayList<>();
        assertThatThrownBy(() -> LineDecoder.fromWorker().decode(bytes, 0, bytes.length, got::add))
                .isInstanceOf(ProtocolException.class);
        assertThat(got).containsExactly(HELLO, new Message.Ready());
    }

    @Test
    void anEmptyLineIsAnError() {
        assertThatThrownBy(() -> LineDecoder.unchecked().decode(new byte[] {'\n'}, 0, 1, m -> { }))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("expected an object");
    }

    @Test
    void enforcesTheWorkersConnectionRules() {
        assertThat(rejects(LineDecoder.fromWorker(), new Message.Ready())).contains("the first message must be hello, not ready");
        assertThat(rejects(LineDecoder.fromWorker(), HELLO, HELLO)).contains("hello sent twice");
        assertThat(rejects(LineDecoder.fromWorker(), HELLO, new Message.Heartbeat(5, 1), new Message.Heartbeat(5, 2)))
                .contains("heartbeat seq 5 is not greater than the previous 5");
        assertThat(rejects(LineDecoder.fromWorker(), HELLO, new Message.Goodbye(""), new Message.Ready())).contains("ready after goodbye");
        assertThat(rejects(LineDecoder.fromWorker(), HELLO, new Message.Welcome(1))).contains("a worker cannot send welcome");
        assertThat(rejects(LineDecoder.fromEmperor(), new Message.Ready())).contains("the emperor cannot send ready");
    }

    @Test
    void theWorkersDecoderAcceptsWhatTheEmperorSends() throws Exception {
        List<Message> got = new ArrayList<>();
        byte[] bytes = stream(new Message.Welcome(200), new Message.Error("bye"));
        LineDecoder.fromEmperor().decode(bytes, 0, bytes.length, got::add);
        assertThat(got).containsExactly(new Message.Welcome(200), new Message.Error("bye"));
    }

    private static String rejects(LineDecoder decoder, Message... messages) {
        byte[] bytes = stream(messages);
        try {
            decoder.decode(bytes, 0, bytes.length, m -> { });
        } catch (ProtocolException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted " + List.of(messages));
    }
}
