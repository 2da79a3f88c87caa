package dev.emperor.cli.top;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.LongFunction;

/**
 * CPU% of each worker between two refreshes: the difference of its CPU seconds over the wall
 * time between the samples. The seconds come from the emperor ({@code cpu_seconds}) when it
 * sends them, else from /proc/PID/stat, readable by this user unless /proc hides other users'
 * processes (then the CPU is unknown). The first sample of a pid has no CPU% yet.
 */
public final class CpuMeter {

    /** /proc/PID/stat counts in clock ticks; USER_HZ is 100 on every Linux ABI the JDK runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private record Sample(double cpuSeconds, long atNanos) {
    }

    private final LongFunction<OptionalDouble> procCpuSeconds;
    private Map<Long, Sample> previous = new HashMap<>();
    private Map<Long, Sample> current = new HashMap<>();

    public CpuMeter() {
        this(CpuMeter::fromProc);
    }

    /** {@code procCpuSeconds}: a process's CPU seconds so far, when the emperor does not report them. */
    public CpuMeter(LongFunction<OptionalDouble> procCpuSeconds) {
        this.procCpuSeconds = procCpuSeconds;
    }

    /** Starts a refresh: samples not seen again in it are forgotten at the next one. */
    public void beginRefresh() {
        previous = current;
        current = new HashMap<>();
    }

    /**
     * CPU% of {@code pid} since its sample in the previous refresh (100 = one core), or null.
     * {@code reported} is the emperor's {@code cpu_seconds} for it, or null.
     */
    public Double percent(long pid, Double reported, long nowNanos) {
        OptionalDouble seconds = reported != null ? OptionalDouble.of(reported) : procCpuSeconds.apply(pid);
        if (seconds.isEmpty()) return null;
        Sample now = new Sample(seconds.getAsDouble(), nowNanos);
        current.put(pid, now);
        Sample before = previous.get(pid);
        if (before == null || now.atNanos() <= before.atNanos()) return null;
        double used = now.cpuSeconds() - before.cpuSeconds();
        if (used < 0) return null; // the pid was reused by another process
        return 100.0 * used / ((now.atNanos() - before.atNanos()) / 1e9);
    }

    /** utime + stime of /proc/PID/stat (fields 14 and 15, after the parenthesised command name). */
    static OptionalDouble fromProc(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            return parseStat(stat);
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        }
    }

    static OptionalDouble parseStat(String stat) {
        // the daemon's parser (no JNA there: the client passes USER_HZ and a page size it does not use)
        dev.emperor.daemon.ProcUsage u = dev.emperor.daemon.ProcUsage.parse(stat, 4096, (long) TICKS_PER_SECOND);
        return u == null ? OptionalDouble.empty() : OptionalDouble.of(u.cpuSeconds());
    }
}
