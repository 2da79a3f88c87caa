package dev.emperor.agent;

import dev.emperor.agent.TelemetrySink.Key;
import dev.emperor.agent.protocol.Metric.Kind;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.RuntimeMXBean;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The JVM's figures for a heartbeat, named by OpenTelemetry's semantic conventions for JVM
 * runtime metrics (each with its unit and kind), read from the platform MXBeans directly (never
 * through the MBean server, which would initialise JMX and logging inside the app). Created on
 * the agent thread once an emperor answered, so a JVM outside an emperor pays nothing.
 * Not thread-safe: the agent thread only.
 *
 * <p>{@code jvm.gc.duration} is a histogram in OpenTelemetry; the MXBeans only give each
 * collector's total time and count, so it is sent as a counter of seconds beside
 * {@code jvm.gc.count} (what a histogram without buckets would carry: its sum and count).
 */
final class JvmTelemetry {

    private static final String BYTES = "By";
    private static final Key THREADS_DAEMON = new Key("jvm.thread.count", "{thread}", Kind.GAUGE,
            Map.of("jvm.thread.daemon", "true"));
    private static final Key THREADS_OTHER = new Key("jvm.thread.count", "{thread}", Kind.GAUGE,
            Map.of("jvm.thread.daemon", "false"));
    /** Not in OpenTelemetry's conventions: ours, for the emperor's deadlock check. */
    static final Key THREADS_DEADLOCKED = new Key("jvm.thread.deadlocked", "{thread}", Kind.GAUGE);
    static final Key CPU_TIME = new Key("jvm.cpu.time", "s", Kind.COUNTER);
    private static final Key CPU_COUNT = new Key("jvm.cpu.count", "{cpu}", Kind.GAUGE);
    private static final Key UPTIME = new Key("process.uptime", "s", Kind.GAUGE);
    private static final Key CLASSES_LOADED = new Key("jvm.class.loaded", "{class}", Kind.COUNTER);
    private static final Key CLASSES_UNLOADED = new Key("jvm.class.unloaded", "{class}", Kind.COUNTER);
    private static final Key CLASSES_COUNT = new Key("jvm.class.count", "{class}", Kind.GAUGE);
    /** CPU time the agent thread itself has used: the agent's own cost. */
    static final Key AGENT_CPU_TIME = new Key("agent.cpu.time", "s", Kind.COUNTER);

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
    private final RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
    private final MemoryPoolMXBean[] pools;
    private final Key[] poolUsed;
    private final Key[] poolCommitted;
    private final Key[] poolLimit;
    private final GarbageCollectorMXBean[] collectors;
    private final Key[] countKeys;
    private final Key[] timeKeys;
    private final boolean[] pausing;
    private final long[] lastTime;
    private final LongSupplier processCpu;
    private final boolean threadCpu;

    JvmTelemetry() {
        List<MemoryPoolMXBean> mp = ManagementFactory.getMemoryPoolMXBeans();
        pools = mp.toArray(new MemoryPoolMXBean[0]);
        poolUsed = new Key[pools.length];
        poolCommitted = new Key[pools.length];
        poolLimit = new Key[pools.length];
        for (int i = 0; i < pools.length; i++) {
            Map<String, String> attributes = Map.of(
                    "jvm.memory.type", pools[i].getType() == MemoryType.HEAP ? "heap" : "non_heap",
                    "jvm.memory.pool.name", clip(pools[i].getName()));
            poolUsed[i] = new Key("jvm.memory.used", BYTES, Kind.GAUGE, attributes);
            poolCommitted[i] = new Key("jvm.memory.committed", BYTES, Kind.GAUGE, attributes);
            poolLimit[i] = new Key("jvm.memory.limit", BYTES, Kind.GAUGE, attributes);
        }
        List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
        collectors = gcs.toArray(new GarbageCollectorMXBean[0]);
        countKeys = new Key[collectors.length];
        timeKeys = new Key[collectors.length];
        pausing = new boolean[collectors.length];
        lastTime = new long[collectors.length];
        for (int i = 0; i < collectors.length; i++) {
            String name = collectors[i].getName();
            Map<String, String> attributes = Map.of("jvm.gc.name", clip(name));
            countKeys[i] = new Key("jvm.gc.count", "{collection}", Kind.COUNTER, attributes);
            timeKeys[i] = new Key("jvm.gc.duration", "s", Kind.COUNTER, attributes);
            pausing[i] = isPauseCollector(name);
            lastTime[i] = Math.max(0, collectors[i].getCollectionTime());
        }
        processCpu = processCpuTime();
        boolean cpu = false;
        try {
            cpu = threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled();
        } catch (UnsupportedOperationException e) {
            // stays false
        }
        threadCpu = cpu;
    }

    /** Attribute values are at most 256 characters on the wire; MXBean names are far shorter. */
    private static String clip(String s) {
        return s.length() <= 256 ? s : s.substring(0, 256);
    }

    /**
     * Concurrent collectors (G1's "G1 Concurrent GC", ZGC's and Shenandoah's "... Cycles")
     * report time spent beside the app, not pauses; only the others count as pause time.
     */
    static boolean isPauseCollector(String name) {
        return !(name.contains("Concurrent") || name.contains("Cycles"));
    }

    /** com.sun.management's process CPU time, absent on runtimes without jdk.management. */
    private static LongSupplier processCpuTime() {
        try {
            java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean) {
                com.sun.management.OperatingSystemMXBean sun = (com.sun.management.OperatingSystemMXBean) os;
                if (sun.getProcessCpuTime() >= 0) return sun::getProcessCpuTime;
            }
        } catch (LinkageError | RuntimeException e) {
            // no jdk.management in this runtime: the figure is left out
        }
        return null;
    }

    /**
     * Puts the JVM figures into {@code out} and returns the GC pause time in ms since the
     * previous call.
     */
    long collect(TelemetrySink out) {
        for (int i = 0; i < pools.length; i++) {
            MemoryUsage u;
            try {
                u = pools[i].getUsage();
            } catch (RuntimeException e) {
                continue; // a pool that became invalid (unloaded)
            }
            if (u == null) continue;
            out.put(poolUsed[i], u.getUsed());
            out.put(poolCommitted[i], u.getCommitted());
            if (u.getMax() >= 0) out.put(poolLimit[i], u.getMax());
        }
        long pauseMs = 0;
        for (int i = 0; i < collectors.length; i++) {
            long count = collectors[i].getCollectionCount();
            long time = collectors[i].getCollectionTime();
            if (count >= 0) out.put(countKeys[i], count);
            if (time >= 0) {
                out.put(timeKeys[i], time / 1000.0);
                if (pausing[i]) pauseMs += Math.max(0, time - lastTime[i]);
                lastTime[i] = time;
            }
        }
        int all = threads.getThreadCount();
        int daemon = threads.getDaemonThreadCount();
        out.put(THREADS_DAEMON, daemon);
        out.put(THREADS_OTHER, Math.max(0, all - daemon));
        long[] deadlocked = threads.findDeadlockedThreads();
        out.put(THREADS_DEADLOCKED, deadlocked == null ? 0 : deadlocked.length);
        if (processCpu != null) {
            long ns = processCpu.getAsLong();
            if (ns >= 0) out.put(CPU_TIME, ns / 1e9);
        }
        out.put(CPU_COUNT, Runtime.getRuntime().availableProcessors());
        out.put(UPTIME, runtime.getUptime() / 1000.0);
        out.put(CLASSES_LOADED, classes.getTotalLoadedClassCount());
        out.put(CLASSES_UNLOADED, classes.getUnloadedClassCount());
        out.put(CLASSES_COUNT, classes.getLoadedClassCount());
        return pauseMs;
    }

    long uptimeMs() {
        return runtime.getUptime();
    }

    /** CPU the calling (agent) thread has used in total, or -1: the agent's own cost, for the operator to see. */
    long currentThreadCpuNanos() {
        return threadCpu ? threads.getCurrentThreadCpuTime() : -1;
    }
}
