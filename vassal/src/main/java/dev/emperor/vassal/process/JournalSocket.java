package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * journald's native transport: entries ({@link JournalEntries}) as datagrams to
 * {@code /run/systemd/journal/socket}, from one AF_UNIX datagram socket of ours that never
 * blocks. A journal that is slow (its queue full: EAGAIN) or gone (ENOENT, ECONNREFUSED)
 * costs the entry, never a wait: the caller drops and counts it, so no worker is ever held up
 * by its own logging.
 *
 * <p>The path is root's journald's, fixed; the only other one is a test's, taken from the
 * emperor's own environment ({@value #TEST_VARIABLE}), which only whoever starts the emperor
 * sets and which no worker is given. Used by the output pump: its reader thread sends lines,
 * the launcher's thread the start markers.
 */
public final class JournalSocket implements AutoCloseable {

    /** Where journald listens for native entries. */
    public static final Path STANDARD = Path.of("/run/systemd/journal/socket");
    /** Tests only: a datagram listener standing in for journald. Never passed to workers. */
    public static final String TEST_VARIABLE = "EMPEROR_TEST_JOURNAL_SOCKET";
    /**
     * Our send buffer, which bounds the largest datagram: the kernel default (wmem_default,
     * 212,992 bytes here; doubled on set) is a machine's choice, this is ours.
     */
    static final int SEND_BUFFER = 256 << 10;
    private static final int SUN_PATH_MAX = 108;

    private final Path path;
    private final byte[] address;
    private int fd = -1;

    public JournalSocket(Path path) {
        this.path = path;
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length + 1 > SUN_PATH_MAX || p.length == 0) {
            throw new IllegalArgumentException("journal socket path " + path + " is longer than a socket path may be");
        }
        address = new byte[2 + p.length + 1];
        address[0] = (byte) Posix.AF_UNIX; // sa_family_t, little-endian on x86_64
        System.arraycopy(p, 0, address, 2, p.length);
    }

    /** journald's socket, unless the emperor's environment names a test's listener. */
    public static JournalSocket forEnvironment(Map<String, String> environment) {
        String test = environment.get(TEST_VARIABLE);
        return new JournalSocket(test == null || test.isEmpty() ? STANDARD : Path.of(test));
    }

    public Path path() {
        return path;
    }

    /** Whether a journal seems to listen (its socket exists): systemd is not running otherwise. */
    public boolean present() {
        return Files.exists(path);
    }

    /** Sends one entry without waiting: 0 when the journal took it, else the errno that refused it. */
    synchronized int send(byte[] entry) {
        if (fd < 0) {
            try {
                fd = Posix.libc().socket(Posix.AF_UNIX, Posix.SOCK_DGRAM | Posix.SOCK_CLOEXEC | Posix.SOCK_NONBLOCK, 0);
            } catch (LastErrorException e) {
                return e.getErrorCode();
            }
            try {
                Posix.libc().setsockopt(fd, Posix.SOL_SOCKET, Posix.SO_SNDBUF, new int[] {SEND_BUFFER}, 4);
            } catch (LastErrorException e) {
                // the default buffer still carries all but the largest entries
            }
        }
        while (true) {
            try {
                Posix.libc().sendto(fd, entry, entry.length, Posix.MSG_DONTWAIT, address, address.length);
                return 0;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != Posix.EINTR) return e.getErrorCode();
            }
        }
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) Posix.closeQuietly(fd);
        fd = -1;
    }
}
