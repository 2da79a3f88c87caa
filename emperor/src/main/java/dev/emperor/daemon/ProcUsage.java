package dev.emperor.daemon;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's resident memory and CPU time, from one read of {@code /proc/PID/stat}: what
 * /stats and /metrics show for every worker, whether or not it has an agent. A worker's pid is
 * the emperor's own child, and /proc is the kernel's, so nothing a user controls is followed.
 *
 * @param rssBytes   resident set size
 * @param cpuSeconds user plus system time of the process itself (not of its children)
 */
public record ProcUsage(long rssBytes, double cpuSeconds) {

    /** /proc/PID/stat is one line, a few hundred bytes; a longer one is not read further. */
    private static final int MAX_STAT_BYTES = 4096;

    interface C extends Library {
        long sysconf(int name);
    }

    /** The kernel's page size and clock ticks per second, asked once (4096 and 100 if sysconf fails). */
    private static final class Units {
        static final long PAGE;
        static final long TICKS;

        static {
            long page = 4096;
            long ticks = 100;
            try {
                C c = Native.load("c", C.class);
                long p = c.sysconf(30); // _SC_PAGESIZE
                long t = c.sysconf(2); // _SC_CLK_TCK
                if (p > 0) page = p;
                if (t > 0) ticks = t;
            } catch (LinkageError | RuntimeException e) {
                // keep Linux's usual values
            }
            PAGE = page;
            TICKS = ticks;
        }
    }

    /** The usage of {@code pid}, or null if it is gone (or not readable). */
    public static ProcUsage read(long pid) {
        if (pid <= 0) return null;
        try (var in = Files.newInputStream(Path.of("/proc", Long.toString(pid), "stat"))) {
            return parse(new String(in.readNBytes(MAX_STAT_BYTES), java.nio.charset.StandardCharsets.ISO_8859_1),
                    Units.PAGE, Units.TICKS);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Resident set size of {@code pid} in bytes, or -1 if it is gone (reload-on-rss, the dashboard's history). */
    public static long residentBytes(long pid) {
        ProcUsage u = read(pid);
        return u == null ? -1 : u.rssBytes();
    }

    /** Parses a /proc/PID/stat line; null if it is not one. */
    public static ProcUsage parse(String stat, long pageBytes, long ticksPerSecond) {
        // The command name may hold spaces and parentheses: the fields start after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 > stat.length()) return null;
        String[] f = stat.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state): utime is field 14, stime 15, rss 24.
        if (f.length < 22) return null;
        try {
            long utime = Long.parseLong(f[11]);
            long stime = Long.parseLong(f[12]);
            long rssPages = Long.parseLong(f[21]);
            return new ProcUsage(Math.max(0, rssPages) * pageBytes, (double) (utime + stime) / ticksPerSecond);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
