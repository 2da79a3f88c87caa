package dev.emperor.agent;

import java.lang.management.ClassLoadingMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.lang.management.RuntimeMXBean;
import java.lang.management.ThreadMXBean;
import dev.emperor.agent.TelemetrySink.Key;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The JVM's figures for a heartbeat, read from the platform MXBeans directly (never through
 * the MBean server, which would initialise JMX and logging inside the app). Created on the
 * agent thread once an emperor answered, so a JVM outside an emperor pays nothing.
 * Not thread-safe: the agent thread only.
 */
final class JvmTelemetry {

    private static final Key HEAP_USED = new Key("heap.used");
    private static final Key HEAP_COMMITTED = new Key("heap.committed");
    private static final Key NONHEAP_USED = new Key("nonheap.used");
    private static final Key NONHEAP_COMMITTED = new Key("nonheap.committed");
    private static final Key THREADS = new Key("threads");
    private static final Key THREADS_DAEMON = new Key("threads.daemon");
    private static final Key THREADS_DEADLOCKED = new Key("threads.deadlocked");
    private static final Key CPU_PROCESS_NS = new Key("cpu.process_ns");
    private static final Key UPTIME_MS = new Key("uptime_ms");
    private static final Key CLASSES_LOADED = new Key("classes.loaded");
    static final Key AGENT_CPU_NS = new Key("agent.cpu_ns");

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
    private final RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
    private final GarbageCollectorMXBean[] collectors;
    private final Key[] countKeys;
    private final Key[] timeKeys;
    private final boolean[] pausing;
    private final long[] lastTime;
    private final LongSupplier processCpu;
    private final boolean threadCpu;

    JvmTelemetry() {
        List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
        collectors = gcs.toArray(new GarbageCollectorMXBean[0]);
        countKeys = new Key[collectors.length];
        timeKeys = new Key[collectors.length];
        pausing = new boolean[collectors.length];
        lastTime = new long[collectors.length];
        for (int i = 0; i < collectors.length; i++) {
            String name = collectors[i].getName();
            String key = "gc." + AppState.sanitize(name.replace(' ', '_'));
            countKeys[i] = new Key(key + ".count");
            timeKeys[i] = new Key(key + ".time_ms");
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
        MemoryUsage heap = memory.getHeapMemoryUsage();
        MemoryUsage nonHeap = memory.getNonHeapMemoryUsage();
        out.put(HEAP_USED, heap.getUsed());
        out.put(HEAP_COMMITTED, heap.getCommitted());
        out.put(NONHEAP_USED, nonHeap.getUsed());
        out.put(NONHEAP_COMMITTED, nonHeap.getCommitted());
        long pauseMs = 0;
        for (int i = 0; i < collectors.length; i++) {
            long count = collectors[i].getCollectionCount();
            long time = collectors[i].getCollectionTime();
            if (count >= 0) out.put(countKeys[i], count);
            if (time >= 0) {
                out.put(timeKeys[i], time);
                if (pausing[i]) pauseMs += Math.max(0, time - lastTime[i]);
                lastTime[i] = time;
            }
        }
        out.put(THREADS, threads.getThreadCount());
        out.put(THREADS_DAEMON, threads.getDaemonThreadCount());
        long[] deadlocked = threads.findDeadlockedThreads();
        out.put(THREADS_DEADLOCKED, deadlocked == null ? 0 : deadlocked.length);
        if (processCpu != null) out.put(CPU_PROCESS_NS, processCpu.getAsLong());
        out.put(UPTIME_MS, runtime.getUptime());
        out.put(CLASSES_LOADED, classes.getLoadedClassCount());
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
