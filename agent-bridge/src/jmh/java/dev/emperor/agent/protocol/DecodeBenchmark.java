package dev.emperor.agent.protocol;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Heartbeat frames decoded per second on one thread (target: over 200,000). The frame is like
 * what the Java agent sends: 17 JVM telemetry entries and 5 app metrics, 680 bytes.
 * Run: {@code mvn -Pjmh -pl agent-bridge verify -Djmh.args="DecodeBenchmark -f 1"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx512m")
public class DecodeBenchmark {

    static final int BATCH = 100;

    private byte[] oneLine;
    private ByteBuffer batch;
    private LineDecoder decoder;

    static Message.Heartbeat agentLikeHeartbeat(long seq) {
        Map<String, Number> t = new LinkedHashMap<>();
        t.put("heap.used", 187_654_321L);
        t.put("heap.committed", 268_435_456L);
        t.put("nonheap.used", 45_678_912L);
        t.put("nonheap.committed", 50_331_648L);
        t.put("gc.G1_Young_Generation.count", 1234L);
        t.put("gc.G1_Young_Generation.time_ms", 5678L);
        t.put("gc.G1_Concurrent_GC.count", 12L);
        t.put("gc.G1_Concurrent_GC.time_ms", 345L);
        t.put("gc.G1_Old_Generation.count", 0L);
        t.put("gc.G1_Old_Generation.time_ms", 0L);
        t.put("threads", 57L);
        t.put("threads.daemon", 41L);
        t.put("threads.deadlocked", 0L);
        t.put("cpu.process_ns", 987_654_321_000L);
        t.put("uptime_ms", 3_600_000L);
        t.put("classes.loaded", 12_345L);
        t.put("agent.cpu_ns", 123_456_789L);
        t.put("app.requests", 1_234_567L);
        t.put("app.db.count", 45_678L);
        t.put("app.db.total_ms", 123_456.789);
        t.put("app.db.max_ms", 87.25);
        t.put("app.queue.depth", 17L);
        return new Message.Heartbeat(seq, 3_600_000L, OptionalLong.of(1_234_567L), OptionalLong.of(3L), t);
    }

    @Setup
    public void setUp() {
        oneLine = Frames.encode(agentLikeHeartbeat(17));
        batch = ByteBuffer.allocate(oneLine.length * BATCH);
        for (int i = 0; i < BATCH; i++) batch.put(Frames.encode(agentLikeHeartbeat(i + 1)));
        batch.flip();
        decoder = LineDecoder.unchecked();
    }

    /** One complete frame per read: the zero-copy path. */
    @Benchmark
    public void singleFrame(Blackhole bh) throws ProtocolException {
        decoder.decode(ByteBuffer.wrap(oneLine), (Consumer<Message>) bh::consume);
    }

    /** A fresh per-connection decoder enforcing the worker rules, fed 100 frames in 4 KiB reads. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void streamOf100In4KiBReads(Blackhole bh) throws ProtocolException {
        LineDecoder d = LineDecoder.fromWorker();
        d.decode(ByteBuffer.wrap(Frames.encode(new Message.Hello("web", 1, "t", 42, null, null))), bh::consume);
        ByteBuffer all = batch.duplicate();
        while (all.hasRemaining()) {
            ByteBuffer chunk = all.slice().limit(Math.min(4096, all.remaining()));
            d.decode(chunk, (Consumer<Message>) bh::consume);
            all.position(all.position() + chunk.limit());
        }
    }

    @Benchmark
    public byte[] encode() {
        return Frames.encode(agentLikeHeartbeat(17));
    }
}
