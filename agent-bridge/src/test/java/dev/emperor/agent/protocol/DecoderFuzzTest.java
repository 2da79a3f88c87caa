package dev.emperor.agent.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Bounded, deterministic fuzzing (fixed seed, fixed count, about a second): mutated valid
 * lines and random bytes must give either a valid message or a ProtocolException, never
 * anything else; whatever decodes must survive a round trip.
 */
class DecoderFuzzTest {

    private static final long SEED = 0x5EED_E4FE_0001L;
    private static final int ROUNDS = 300_000;
    private static final byte[] INTERESTING = "{}[]\":,\\-+.eE0123456789tfnu \t\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HIGH = {(byte) 0x80, (byte) 0xBF, (byte) 0xC0, (byte) 0xC3, (byte) 0xE0, (byte) 0xED,
            (byte) 0xF0, (byte) 0xF4, (byte) 0xF8, (byte) 0xFF, 0, 0x1F, 0x7F};

    @Test
    void mutatedLinesGiveMessagesOrProtocolExceptionsOnly() {
        Random random = new Random(SEED);
        List<byte[]> corpus = new ArrayList<>();
        for (Message m : FramesTest.everyKind()) corpus.add(Frames.encode(m));
        corpus.add("{\"v\":1,\"type\":\"ready\",\"x\":[1,-2.5e-3,true,false,null,\"\\u00e9\\ud83d\\ude00\",{\"k\":{}}]}\n"
                .getBytes(StandardCharsets.UTF_8));

        int valid = 0;
        int rejected = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] line = round % 10 == 9 ? garbage(random) : mutate(random, corpus.get(random.nextInt(corpus.size())), corpus);
            try {
                Message m = Frames.decode(line);
                valid++;
                assertThat(Frames.decode(Frames.encode(m))).isEqualTo(m);
            } catch (ProtocolException e) {
                rejected++;
                assertThat(e.getMessage()).isNotBlank();
            } catch (Throwable t) {
                throw new AssertionError("round " + round + ": " + t + " for input " + HexFormat.of().formatHex(line), t);
            }
        }
        // The mutations must exercise both outcomes, or the test proves little.
        assertThat(valid).isGreaterThan(ROUNDS / 50);
        assertThat(rejected).isGreaterThan(ROUNDS / 2);
    }

    @Test
    void randomStreamsInRandomChunksNeverBreakTheStreamDecoder() {
        Random random = new Random(SEED + 1);
        List<byte[]> corpus = new ArrayList<>();
        for (Message m : FramesTest.everyKind()) corpus.add(Frames.encode(m));
        for (int round = 0; round < 3_000; round++) {
            // A stream of mostly valid lines with the odd mutation, cut at random points.
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            int lines = 1 + random.nextInt(40);
            for (int i = 0; i < lines; i++) {
                byte[] line = corpus.get(random.nextInt(corpus.size()));
                bytes.writeBytes(random.nextInt(20) == 0 ? mutate(random, line, corpus) : line);
            }
            ByteBuffer all = ByteBuffer.wrap(bytes.toByteArray());
            LineDecoder decoder = random.nextBoolean() ? LineDecoder.fromWorker() : LineDecoder.unchecked();
            try {
                while (all.hasRemaining()) {
                    int n = Math.min(all.remaining(), 1 + random.nextInt(300));
                    ByteBuffer chunk = all.slice().limit(n);
                    decoder.decode(chunk, m -> assertThat(m).isNotNull());
                    assertThat(chunk.hasRemaining()).isFalse();
                    all.position(all.position() + n);
                }
            } catch (ProtocolException expected) {
                assertThat(decoder.failed()).isTrue();
            } catch (Throwable t) {
                throw new AssertionError("round " + round + ": " + t, t);
            }
        }
    }

    private static byte[] mutate(Random r, byte[] original, List<byte[]> corpus) {
        byte[] b = original.clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits && b.length > 1; e++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(8)) {
                case 0: b[at] ^= (byte) (1 << r.nextInt(8)); break;
                case 1: b[at] = INTERESTING[r.nextInt(INTERESTING.length)]; break;
                case 2: b[at] = HIGH[r.nextInt(HIGH.length)]; break;
                case 3: b = insert(b, at, new byte[] {INTERESTING[r.nextInt(INTERESTING.length)]}); break;
                case 4: { // delete a range
                    int n = 1 + r.nextInt(Math.min(8, b.length - at));
                    byte[] out = new byte[b.length - n];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(b, at + n, out, at, b.length - at - n);
                    b = out;
                    break;
                }
                case 5: { // duplicate a range (duplicate keys, nesting)
                    int n = 1 + r.nextInt(Math.min(30, b.length - at));
                    b = insert(b, at, Arrays.copyOfRange(b, at, at + n));
                    break;
                }
                case 6: b = Arrays.copyOf(b, at); break; // truncate
                default: { // splice in part of another line
                    byte[] other = corpus.get(r.nextInt(corpus.size()));
                    int from = r.nextInt(other.length);
                    b = insert(b, at, Arrays.copyOfRange(other, from, Math.min(other.length, from + 1 + r.nextInt(40))));
                }
            }
        }
        return b;
    }

    private static byte[] insert(byte[] b, int at, byte[] what) {
        byte[] out = new byte[b.length + what.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(b, at, out, at + what.length, b.length - at);
        return out;
    }

    private static byte[] garbage(Random r) {
        byte[] b = new byte[r.nextInt(200)];
        for (int i = 0; i < b.length; i++) {
            int kind = r.nextInt(3);
            b[i] = kind == 0 ? (byte) r.nextInt(256) : kind == 1 ? INTERESTING[r.nextInt(INTERESTING.length)] : HIGH[r.nextInt(HIGH.length)];
        }
        if (b.length > 0 && r.nextBoolean()) b[0] = '{';
        return b;
    }
}
