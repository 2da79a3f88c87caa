package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * journald's native transport: entries ({@link JournalEntries}) as datagrams to
 * {@code /run/systemd/journal/socket}, from one AF_UNIX datagram socket of ours. A send
 * waits at most {@value #SEND_TIMEOUT_MS} ms for room in a busy journal's queue (EAGAIN
 * then); a journal that is gone (ENOENT, ECONNREFUSED) is an errno at once. Only the
 * {@link JournalSender}'s thread sends: the output pump never waits for the journal.
 *
 * <p>The path is root's journald's, fixed; the only other one is a test's, taken from the
 * emperor's own environment ({@value #TEST_VARIABLE}), which only whoever starts the emperor
 * sets and which no worker is given.
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
    /** How long one send waits for room in a busy journal's queue before it says EAGAIN. */
    static final long SEND_TIMEOUT_MS = 250;

    /**
     * Direct-mapped sendto, with no exception for a refusal: a journal that is gone refuses
     * every line, and building a LastErrorException for each cost about 20 us per line
     * (measured), against about 1 us for this call.
     */
    private static final class Native0 {
        static {
            Native.register("c");
        }

        static native long sendto(int fd, Pointer buf, long len, int flags, Pointer address, int addressLen);
    }

    private final Path path;
    private final Memory address;
    private final int addressLength;
    /** The entry being sent, reused: one copy into native memory per send, no allocation. */
    private final Memory buffer = new Memory(JournalEntries.MAX_ENTRY);
    private int fd = -1;
    private boolean closed;

    public JournalSocket(Path path) {
        this.path = path;
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length + 1 > SUN_PATH_MAX || p.length == 0) {
            throw new IllegalArgumentException("journal socket path " + path + " is longer than a socket path may be");
        }
        addressLength = 2 + p.length + 1;
        address = new Memory(addressLength);
        address.clear();
        address.setShort(0, (short) Posix.AF_UNIX); // sa_family_t
        address.write(2, p, 0, p.length);
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

    /**
     * Sends one entry: 0 when the journal took it, else the errno that refused it; EAGAIN
     * after waiting {@value #SEND_TIMEOUT_MS} ms for room in a busy journal's queue. Only the
     * {@link JournalSender}'s thread waits here, never the output pump.
     */
    synchronized int send(byte[] entry) {
        if (closed) return Posix.EBADF;
        if (fd < 0) {
            try {
                fd = Posix.libc().socket(Posix.AF_UNIX, Posix.SOCK_DGRAM | Posix.SOCK_CLOEXEC, 0);
            } catch (LastErrorException e) {
                return e.getErrorCode();
            }
            try {
                Posix.libc().setsockopt(fd, Posix.SOL_SOCKET, Posix.SO_SNDBUF, new int[] {SEND_BUFFER}, 4);
            } catch (LastErrorException e) {
                // the default buffer still carries all but the largest entries
            }
            try {
                Posix.libc().setsockopt(fd, Posix.SOL_SOCKET, Posix.SO_SNDTIMEO,
                        new long[] {0, SEND_TIMEOUT_MS * 1000}, 16);
            } catch (LastErrorException e) {
                Posix.closeQuietly(fd);
                fd = -1;
                return e.getErrorCode(); // without a timeout a stuck journal would hold the sender for good
            }
        }
        if (entry.length > buffer.size()) return Posix.EMSGSIZE; // JournalEntries bounds every entry below this
        buffer.write(0, entry, 0, entry.length);
        while (true) {
            if (Native0.sendto(fd, buffer, entry.length, 0, address, addressLength) >= 0) return 0;
            int errno = Native.getLastError();
            if (errno != Posix.EINTR) return errno;
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (fd >= 0) Posix.closeQuietly(fd);
        fd = -1;
        buffer.close();
        address.close();
    }
}
