package dev.emperor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

class JvmTelemetryTest {

    @Test
    void readsEveryDocumentedFigure() {
        Map<String, Number> out = new LinkedHashMap<>();
        JvmTelemetry jvm = new JvmTelemetry();
        long pause = jvm.collect(TelemetrySink.of(out));

        assertThat(pause).isGreaterThanOrEqualTo(0);
        assertThat(out).containsKeys("jvm.thread.count{jvm.thread.daemon=true}",
                "jvm.thread.count{jvm.thread.daemon=false}", "jvm.thread.deadlocked", "jvm.cpu.time", "jvm.cpu.count",
                "process.uptime", "jvm.class.loaded", "jvm.class.unloaded", "jvm.class.count");
        assertThat(out.keySet()).as("OpenTelemetry's memory series, per pool")
                .anyMatch(k -> k.startsWith("jvm.memory.used{jvm.memory.pool.name=") && k.endsWith(",jvm.memory.type=heap}"))
                .anyMatch(k -> k.startsWith("jvm.memory.used{") && k.endsWith(",jvm.memory.type=non_heap}"))
                .anyMatch(k -> k.startsWith("jvm.memory.committed{"));
        long heap = out.entrySet().stream().filter(e -> e.getKey().startsWith("jvm.memory.used{")
                && e.getKey().endsWith("jvm.memory.type=heap}")).mapToLong(e -> e.getValue().longValue()).sum();
        // the heap moves between two reads (allocation, a collection): the sum of the pools is the heap in use,
        // which is positive and within the heap's maximum
        assertThat(heap).as("the heap pools' sum").isPositive()
                .isLessThanOrEqualTo(java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax());
        assertThat(out.keySet()).filteredOn(k -> k.startsWith("jvm.gc.")).isNotEmpty()
                .allMatch(k -> k.matches("jvm\\.gc\\.(count|duration)\\{jvm\\.gc\\.name=.+}"));
        assertThat(out.get("jvm.cpu.time")).as("seconds, a double").isInstanceOf(Double.class);
        assertThat(jvm.collect(TelemetrySink.of(new LinkedHashMap<>()))).as("pause since the previous call").isGreaterThanOrEqualTo(0);
        assertThat(jvm.currentThreadCpuNanos()).isPositive();
    }

    @Test
    void concurrentCollectorsDoNotCountAsPauses() {
        assertThat(JvmTelemetry.isPauseCollector("G1 Young Generation")).isTrue();
        assertThat(JvmTelemetry.isPauseCollector("G1 Old Generation")).isTrue();
        assertThat(JvmTelemetry.isPauseCollector("ZGC Pauses")).isTrue();
        assertThat(JvmTelemetry.isPauseCollector("G1 Concurrent GC")).isFalse();
        assertThat(JvmTelemetry.isPauseCollector("ZGC Cycles")).isFalse();
        assertThat(JvmTelemetry.isPauseCollector("Shenandoah Cycles")).isFalse();
    }

    @Test
    void countsDeadlockedThreads() throws Exception {
        // Interruptible locks: the test can undo the deadlock afterwards.
        ReentrantLock a = new ReentrantLock();
        ReentrantLock b = new ReentrantLock();
        CountDownLatch bothHoldOne = new CountDownLatch(2);
        Thread t1 = new Thread(() -> cross(a, b, bothHoldOne), "deadlock-1");
        Thread t2 = new Thread(() -> cross(b, a, bothHoldOne), "deadlock-2");
        t1.setDaemon(true);
        t2.setDaemon(true);
        t1.start();
        t2.start();
        try {
            JvmTelemetry jvm = new JvmTelemetry();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
                Map<String, Number> out = new LinkedHashMap<>();
                jvm.collect(TelemetrySink.of(out));
                return out.get("jvm.thread.deadlocked").longValue() == 2;
            });
        } finally {
            t1.interrupt();
            t2.interrupt();
            t1.join(5_000);
            t2.join(5_000);
        }
    }

    private static void cross(ReentrantLock first, ReentrantLock second, CountDownLatch bothHoldOne) {
        try {
            first.lockInterruptibly();
            try {
                bothHoldOne.countDown();
                bothHoldOne.await();
                second.lockInterruptibly();
                second.unlock();
            } finally {
                first.unlock();
            }
        } catch (InterruptedException e) {
            // released by the test
        }
    }
}
