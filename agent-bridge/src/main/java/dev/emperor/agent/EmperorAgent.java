package dev.emperor.agent;

import dev.emperor.agent.protocol.Severity;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The app's side of the agent bridge: start the agent by hand, say when the app is ready,
 * report progress, events and metrics. Every method is thread-safe, returns at once (the
 * agent's own thread does all I/O) and works outside an emperor too, where it only updates
 * memory. Nothing here throws into the app except for programming errors (a null or
 * conflicting metric name).
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     EmperorAgent.start();                 // first line: for apps run without -javaagent
 *     Server server = startServer();
 *     EmperorAgent.ready();                 // now serving
 *     ...
 *     EmperorAgent.progress(1);             // per request or job done
 *     EmperorAgent.counter("orders").inc();
 *     EmperorAgent.timer("db.query").record(elapsed);
 * }
 * }</pre>
 */
public final class EmperorAgent {

    /** JVM-wide marker: set by the copy of the agent that reports, whatever its class loader. */
    static final String RUNNING_PROPERTY = "dev.emperor.agent.running";
    /** Set to {@code true} to forward Dropwizard's SharedMetricRegistries without code changes. */
    public static final String DROPWIZARD_PROPERTY = "emperor.agent.dropwizard";

    static final AppState STATE = new AppState();
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private EmperorAgent() {
    }

    /**
     * Starts the agent thread if this process is an emperor's worker (EMPEROR_SOCKET and
     * friends are set); otherwise returns quietly. Idempotent, and a no-op when the
     * -javaagent already started it. Call it as the first line of {@code main} in apps that
     * cannot take {@code -javaagent}.
     */
    public static void start() {
        if (!STARTED.compareAndSet(false, true)) return;
        try {
            WorkerEnvironment env = WorkerEnvironment.current().orElse(null);
            if (env == null || env.socket().isEmpty() || env.socket().get().isEmpty()) return;
            // Another copy of these classes (another class loader, a fat jar) may already report for this JVM.
            synchronized (System.getProperties()) {
                if (System.getProperty(RUNNING_PROPERTY) != null) return;
                System.setProperty(RUNNING_PROPERTY, "true");
            }
            if (Boolean.getBoolean(DROPWIZARD_PROPERTY)) STATE.sharedDropwizard = true;
            new Reporter(env, STATE).start();
        } catch (Throwable t) {
            Reporter.log("not started (" + t + ")");
        }
    }

    /** The app is ready to serve. The emperor counts a worker as up from here (or its first heartbeat). */
    public static void ready() {
        STATE.ready();
    }

    /** Asks the emperor to reload this vassal gracefully (replace its workers). */
    public static void requestReload(String reason) {
        STATE.requestReload(reason == null ? "" : reason);
    }

    /**
     * A line for the emperor's log. Messages are sent in call order; up to 100 wait while the
     * emperor is away, older ones are dropped.
     */
    public static void event(Severity severity, String message) {
        STATE.event(severity == null ? Severity.INFO : severity, message == null ? "" : message);
    }

    /**
     * Adds {@code delta} units of work done (requests served, jobs finished). The emperor uses
     * it to tell a busy worker (progress grows) from a stuck one (it does not). Progress is
     * only reported once this was called.
     */
    public static void progress(long delta) {
        STATE.progress.add(delta);
        if (!STATE.progressReported) STATE.progressReported = true;
    }

    /** The counter with this name, created on first use; exported as {@code app.NAME}. */
    public static Counter counter(String name) {
        return STATE.counter(name);
    }

    /**
     * Registers (or replaces) a gauge, exported as {@code app.NAME}. The supplier runs on the
     * agent thread once per heartbeat: keep it quick and non-blocking.
     */
    public static void gauge(String name, LongSupplier supplier) {
        STATE.gauge(name, supplier);
    }

    /**
     * The timer with this name, created on first use; exported as {@code app.NAME.count},
     * {@code app.NAME.total_ms} (both since start) and {@code app.NAME.max_ms} (the longest
     * since the previous heartbeat).
     */
    public static Timer timer(String name) {
        return STATE.timer(name);
    }

    /**
     * Forwards a Dropwizard {@code com.codahale.metrics.MetricRegistry}'s counters, gauges,
     * meters and timers as {@code app.*} telemetry. Reflective: this jar does not depend on
     * Dropwizard. Logs and ignores anything that is not a MetricRegistry.
     */
    public static void bridgeDropwizard(Object registry) {
        try {
            STATE.bridges.addIfAbsent(DropwizardBridge.of(registry));
        } catch (Exception | LinkageError e) {
            Reporter.log("cannot bridge " + (registry == null ? "null" : registry.getClass().getName()) + " (" + e + ")");
        }
    }

    /** A monotonically increasing count; {@link #inc()} is a lock-free add. */
    public static final class Counter {
        final TelemetrySink.Key key;
        private final LongAdder adder = new LongAdder();

        Counter(String name) {
            // Sent as a counter (kind and all), so that Prometheus can rate() it.
            this.key = new TelemetrySink.Key("app." + name, "", dev.emperor.agent.protocol.Metric.Kind.COUNTER);
        }

        public void inc() {
            adder.increment();
        }

        public void inc(long n) {
            adder.add(n);
        }

        public long count() {
            return adder.sum();
        }
    }

    /** Durations of an operation: count, total and the longest per heartbeat. Lock-free. */
    public static final class Timer {
        private final TelemetrySink.Key countKey;
        private final TelemetrySink.Key totalKey;
        private final TelemetrySink.Key maxKey;
        private final LongAdder count = new LongAdder();
        private final LongAdder totalNanos = new LongAdder();
        private final LongAccumulator maxNanos = new LongAccumulator(Math::max, 0);

        Timer(String name) {
            countKey = new TelemetrySink.Key("app." + name + ".count");
            totalKey = new TelemetrySink.Key("app." + name + ".total_ms");
            maxKey = new TelemetrySink.Key("app." + name + ".max_ms");
        }

        public void record(Duration duration) {
            if (duration == null) return;
            long nanos;
            try {
                nanos = duration.toNanos();
            } catch (ArithmeticException tooLong) {
                nanos = Long.MAX_VALUE;
            }
            recordNanos(nanos);
        }

        /** Same as {@link #record(Duration)}, for a {@code System.nanoTime()} difference. Negative values are ignored. */
        public void recordNanos(long nanos) {
            if (nanos < 0) return;
            count.increment();
            totalNanos.add(nanos);
            maxNanos.accumulate(nanos);
        }

        public long count() {
            return count.sum();
        }

        boolean export(TelemetrySink out) {
            return out.put(countKey, count.sum()) && out.put(totalKey, totalNanos.sum() / 1e6)
                    && out.put(maxKey, maxNanos.getThenReset() / 1e6);
        }
    }
}
