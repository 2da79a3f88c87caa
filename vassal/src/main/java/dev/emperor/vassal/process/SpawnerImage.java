package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@code emperor-spawner} program, held by a descriptor the emperor owns and executed as
 * {@code /proc/self/fd/N}: no path anyone else could swap between a check and the exec.
 *
 * <p>First choice: a sealed memfd (memory only; no write, grow or shrink is possible after the
 * seals). Where the kernel refuses executable memfds ({@code vm.memfd_noexec = 2}) the image is
 * written to {@code dir} (a directory only the emperor can write, checked by the caller) under
 * a fresh name with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0700, re-opened read-only, checked with
 * fstat (a regular file of ours, one link, the right size), and unlinked: the descriptor is the
 * only way to it, and a file planted in {@code dir} is never what runs.
 */
final class SpawnerImage implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.workers");

    private final int fd;

    private SpawnerImage(int fd) {
        this.fd = fd;
    }

    /** Loads the spawner out of the jar. {@code dir} is only used when memfds cannot be executed. */
    static SpawnerImage load(Path dir) throws LaunchException {
        byte[] bytes = bytes();
        try {
            return new SpawnerImage(memfd(bytes));
        } catch (LastErrorException e) {
            LOG.log(Level.INFO, "cannot hold the worker spawner in memory (memfd_create: "
                    + Posix.libc().strerror(e.getErrorCode()) + "); writing it to " + dir);
        }
        return new SpawnerImage(file(dir, bytes));
    }

    /** The fallback alone (where memfds cannot be executed): a fresh file in {@code dir}, held open and unlinked. */
    static SpawnerImage inFile(Path dir) throws LaunchException {
        return new SpawnerImage(file(dir, bytes()));
    }

    /** What to pass to posix_spawn: the image through our own descriptor table. */
    String path() {
        return "/proc/self/fd/" + fd;
    }

    @Override
    public void close() {
        Posix.closeQuietly(fd);
    }

    private static byte[] bytes() throws LaunchException {
        try (InputStream in = SpawnerImage.class.getResourceAsStream(WorkerLauncher.SPAWNER_RESOURCE)) {
            if (in == null) {
                throw new LaunchException("the spawner " + WorkerLauncher.SPAWNER_RESOURCE + " is missing from the"
                        + " emperor's jar; rebuild it on a machine with a C compiler (apt-get install gcc)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new LaunchException("cannot read the spawner from the emperor's jar: " + e.getMessage());
        }
    }

    private static int memfd(byte[] bytes) throws LastErrorException {
        int flags = Posix.MFD_CLOEXEC | Posix.MFD_ALLOW_SEALING;
        int fd;
        try {
            fd = Posix.libc().memfd_create(WorkerLauncher.SPAWNER_RESOURCE, flags | Posix.MFD_EXEC);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Posix.EINVAL) throw e;
            fd = Posix.libc().memfd_create(WorkerLauncher.SPAWNER_RESOURCE, flags); // before Linux 6.3
        }
        try {
            writeAll(fd, bytes);
            Posix.libc().fcntl(fd, Posix.F_ADD_SEALS,
                    Posix.F_SEAL_SHRINK | Posix.F_SEAL_GROW | Posix.F_SEAL_WRITE | Posix.F_SEAL_SEAL);
            return fd;
        } catch (LastErrorException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
    }

    private static int file(Path dir, byte[] bytes) throws LaunchException {
        String name = dir.resolve(WorkerLauncher.SPAWNER_RESOURCE + "." + Long.toHexString(
                ThreadLocalRandom.current().nextLong())).toString();
        int out;
        try {
            out = Posix.libc().open(name, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL | Posix.O_NOFOLLOW
                    | Posix.O_CLOEXEC, 0700);
        } catch (LastErrorException e) {
            throw new LaunchException("cannot write the worker spawner to " + name + ": "
                    + Posix.libc().strerror(e.getErrorCode()));
        }
        try {
            writeAll(out, bytes);
        } catch (LastErrorException e) {
            unlinkQuietly(name);
            throw new LaunchException("cannot write the worker spawner to " + name + ": "
                    + Posix.libc().strerror(e.getErrorCode()));
        } finally {
            Posix.closeQuietly(out); // no writer may stay open: exec refuses a file open for writing
        }
        int in;
        try {
            in = Posix.libc().open(name, Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            unlinkQuietly(name);
            throw new LaunchException("cannot reopen the worker spawner " + name + ": "
                    + Posix.libc().strerror(e.getErrorCode()));
        }
        unlinkQuietly(name);
        Posix.FileStat st = Posix.fstat(in);
        if (!st.isRegularFile() || st.uid() != Posix.effectiveUid() || st.links() != 0 || st.size() != bytes.length
                || (st.mode() & 0022) != 0) {
            Posix.closeQuietly(in);
            throw new LaunchException("the worker spawner written to " + name + " was changed behind the emperor's"
                    + " back (mode " + Integer.toOctalString(st.mode()) + ", uid " + st.uid() + ", " + st.links()
                    + " link(s), " + st.size() + " bytes); refusing to run it. Who else can write to " + dir + "?");
        }
        return in;
    }

    private static void writeAll(int fd, byte[] bytes) throws LastErrorException {
        int off = 0;
        while (off < bytes.length) {
            byte[] rest = off == 0 ? bytes : java.util.Arrays.copyOfRange(bytes, off, bytes.length);
            long n = Posix.libc().write(fd, rest, rest.length);
            off += (int) n;
        }
    }

    private static void unlinkQuietly(String name) {
        try {
            Posix.libc().unlink(name);
        } catch (LastErrorException ignored) {
            // already gone
        }
    }
}
