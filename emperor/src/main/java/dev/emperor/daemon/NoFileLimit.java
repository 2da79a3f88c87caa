package dev.emperor.daemon;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;
import java.lang.System.Logger.Level;

/**
 * RLIMIT_NOFILE of the emperor itself. At start the soft limit is raised to the hard one, as
 * Go's runtime and most servers do: systemd's default soft limit (1024) would otherwise cap
 * the emperor at a few hundred vassals while the hard limit allows far more.
 */
final class NoFileLimit {

    private static final System.Logger LOG = System.getLogger("emperor");
    private static final int RLIMIT_NOFILE = 7;
    private static final long RLIM_INFINITY = -1L;

    private NoFileLimit() {
    }

    /** The C library's rlimit calls (glibc, x86_64 and aarch64: two unsigned longs). */
    interface C extends Library {
        C INSTANCE = Native.load("c", C.class);

        int getrlimit(int resource, Rlimit limit) throws LastErrorException;

        int setrlimit(int resource, Rlimit limit) throws LastErrorException;
    }

    @Structure.FieldOrder({"cur", "max"})
    public static final class Rlimit extends Structure {
        public long cur;
        public long max;
    }

    /**
     * Raises the soft limit to the hard limit and returns the soft limit now in force. The limit
     * the emperor was started with is what its workers get back (see WorkerLauncher); it is
     * known only when the JVM did not raise it before main (HotSpot's MaxFDLimit, on by default,
     * does: bin/emperor turns it off).
     */
    static long raiseToHard() {
        try {
            Rlimit r = new Rlimit();
            C.INSTANCE.getrlimit(RLIMIT_NOFILE, r);
            long before = r.cur;
            if (r.cur != r.max) {
                // An unlimited hard limit cannot be a soft NOFILE limit: the kernel caps it at nr_open.
                r.cur = r.max == RLIM_INFINITY ? 1 << 20 : r.max;
                C.INSTANCE.setrlimit(RLIMIT_NOFILE, r);
                C.INSTANCE.getrlimit(RLIMIT_NOFILE, r);
            }
            LOG.log(Level.INFO, describe(before, r.cur, jvmRaisedIt()));
            return r.cur;
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            long fallback = 1024;
            LOG.log(Level.WARNING, "cannot read or raise the file descriptor limit (" + e.getMessage()
                    + "); assuming " + fallback);
            return fallback;
        }
    }

    /** The log line: what the limit was, what it is now, and whether the first figure can be trusted. */
    static String describe(long before, long now, boolean jvmRaisedIt) {
        String cost = "; each worker costs the emperor 2-3 descriptors";
        if (jvmRaisedIt) {
            return "file descriptor limit: " + now + cost + ". The limit the emperor was started with is unknown:"
                    + " the JVM raised it to the hard limit before the emperor ran (-XX:+MaxFDLimit, the default),"
                    + " so workers without limit-nofile inherit " + now + "; start it with -XX:-MaxFDLimit, as"
                    + " bin/emperor does, so that they keep the one it was started with";
        }
        if (before == now) return "file descriptor limit: " + now + " (already the hard limit)" + cost;
        return "file descriptor limit raised from " + before + " to " + now + " (the hard limit)" + cost
                + "; workers without limit-nofile keep " + before;
    }

    /** Whether HotSpot raised the soft limit before main (MaxFDLimit); false when it cannot tell. */
    private static boolean jvmRaisedIt() {
        try {
            var bean = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean != null && Boolean.parseBoolean(bean.getVMOption("MaxFDLimit").getValue());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return false; // not HotSpot, or no such flag: nothing raised it
        }
    }
}
