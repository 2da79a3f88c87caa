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

    /** Raises the soft limit to the hard limit and returns the soft limit now in force. */
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
            LOG.log(Level.INFO, "file descriptor limit: " + r.cur + (before != r.cur ? " (raised from " + before
                    + " to the hard limit)" : " (the hard limit)") + "; each worker costs the emperor 2-3");
            return r.cur;
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            long fallback = 1024;
            LOG.log(Level.WARNING, "cannot read or raise the file descriptor limit (" + e.getMessage()
                    + "); assuming " + fallback);
            return fallback;
        }
    }
}
