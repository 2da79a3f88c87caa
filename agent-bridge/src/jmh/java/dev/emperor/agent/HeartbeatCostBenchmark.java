package dev.emperor.agent;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The agent's work per heartbeat, without the socket write: JVM figures, app metrics, the
 * message and its encoding. {@code threads} extra parked threads make the JVM look like a
 * server (findDeadlockedThreads and the thread counts grow with the thread count).
 * Run: {@code mvn -Pjmh -pl agent-bridge verify -Djmh.args="HeartbeatCostBenchmark -f 1"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class HeartbeatCostBenchmark {

    @Param({"20", "200"})
    public int threads;

    private Reporter reporter;
    private JvmTelemetry jvm;
    private ThreadMXBean threadBean;
    private final java.util.List<Thread> parked = new java.util.ArrayList<>();
    private long seq;

    @Setup
    public void setUp() {
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> java.util.concurrent.locks.LockSupport.park(), "parked-" + i);
            t.setDaemon(true);
            t.start();
            parked.add(t);
        }
        AppState state = new AppState();
        for (int i = 0; i < 10; i++) state.counter("counter" + i).inc(i);
        state.timer("db").recordNanos(1_000_000);
        state.gauge("queue", () -> 5);
        reporter = new Reporter(new WorkerEnvironment("web", 1, Optional.of("/nonexistent"), Optional.empty()), state);
        jvm = reporter.jvm();
        threadBean = ManagementFactory.getThreadMXBean();
    }

    @TearDown
    public void tearDown() {
        for (Thread t : parked) java.util.concurrent.locks.LockSupport.unpark(t);
    }

    /** Everything the agent thread computes for one beat: the line, ready to write. */
    @Benchmark
    public ByteBuffer heartbeatLine() {
        return reporter.heartbeat(++seq);
    }

    @Benchmark
    public Map<String, Number> jvmFiguresOnly() {
        Map<String, Number> out = new LinkedHashMap<>(64);
        jvm.collect(TelemetrySink.of(out));
        return out;
    }

    @Benchmark
    public long[] findDeadlockedThreadsOnly() {
        return threadBean.findDeadlockedThreads();
    }

    /** The agent reports its own CPU time with this call. */
    @Benchmark
    public long currentThreadCpuTime() {
        return threadBean.getCurrentThreadCpuTime();
    }
}
