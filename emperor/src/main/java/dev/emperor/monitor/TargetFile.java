package dev.emperor.monitor;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * The file a vassal symlink resolves to, opened once and examined through its descriptor:
 * opened with O_NONBLOCK (a FIFO swapped in cannot block the loop thread in open or read) and
 * O_NOFOLLOW (a symlink swapped in for the resolved path is refused), required to be a regular
 * file by fstat, and read only up to a bound. The loop thread runs as root, and the path is
 * often someone else's: nothing here may wait on them or be made to read without end.
 *
 * @param stat   what fstat says of the opened file
 * @param prefix at most {@code max + 1} bytes from its start (null when not read)
 */
record TargetFile(Stat stat, byte[] prefix) {

    /** statx of a file: type and permissions, owner, identity, size and modification time. */
    record Stat(int mode, int uid, int gid, long dev, long inode, long size, long mtimeNanos) {

        boolean isRegularFile() {
            return (mode & 0170000) == 0100000;
        }

        /** Who owns it and who may write it: strict and tyrant mode decide by these. */
        List<Integer> access() {
            return List.of(uid, gid, mode & 07777);
        }

        /** Which file it is (the JDK's fileKey, in our own form). */
        String fileKey() {
            return "(dev=" + Long.toHexString(dev) + ",ino=" + inode + ")";
        }
    }

    /** An errno from the system, kept as a number so callers can tell a shortage from a bad file. */
    static final class Failure extends IOException {
        final int errno;

        Failure(Path path, String what, int errno) {
            super(path + ": " + what + ": " + C.INSTANCE.strerror(errno));
            this.errno = errno;
        }

        String reason() {
            return C.INSTANCE.strerror(errno);
        }
    }

    static final int ENOENT = 2;
    static final int ENOMEM = 12;
    static final int ENFILE = 23;
    static final int EMFILE = 24;

    private static final int AT_FDCWD = -100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int O_RDONLY = 0;
    private static final int O_NOCTTY = 0x100;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    private static final int O_NOFOLLOW = Platform.isARM() ? 0x8000 : 0x20000;
    private static final int STATX_BASIC = 0x7ff;
    private static final int STATX_SIZE = 256;

    interface C extends Library {
        C INSTANCE = Native.load("c", C.class);

        int openat(int dirfd, String path, int flags, int mode) throws LastErrorException;

        int statx(int dirfd, String path, int flags, int mask, byte[] buf) throws LastErrorException;

        long read(int fd, byte[] buf, long count) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        String strerror(int errnum);
    }

    /**
     * Opens {@code target} (an absolute real path, no symlink in it) without following a
     * symlink or waiting on a FIFO; returns its stat and, when it is a regular file and
     * {@code read} says so of the stat, its first {@code max + 1} bytes at most (more than
     * {@code max}: it grew past the bound). A file that is not regular is returned unread.
     */
    static TargetFile open(Path target, Predicate<Stat> read, int max) throws IOException {
        int fd;
        try {
            fd = C.INSTANCE.openat(AT_FDCWD, target.toString(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC
                    | O_NOCTTY, 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOENT) throw new NoSuchFileException(target.toString());
            throw new Failure(target, "cannot open", e.getErrorCode());
        }
        try {
            Stat st = fstat(fd, target);
            if (!st.isRegularFile() || !read.test(st)) return new TargetFile(st, null);
            return new TargetFile(st, readUpTo(fd, max + 1, target));
        } finally {
            try {
                C.INSTANCE.close(fd);
            } catch (LastErrorException ignored) {
                // a failed close of a read-only descriptor loses nothing
            }
        }
    }

    /** lstat: the entry itself, a symlink not followed. */
    static Stat lstat(Path path) throws IOException {
        byte[] buf = new byte[STATX_SIZE];
        try {
            C.INSTANCE.statx(AT_FDCWD, path.toString(), AT_SYMLINK_NOFOLLOW, STATX_BASIC, buf);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOENT) throw new NoSuchFileException(path.toString());
            throw new Failure(path, "cannot examine", e.getErrorCode());
        }
        return decode(buf);
    }

    private static Stat fstat(int fd, Path path) throws IOException {
        byte[] buf = new byte[STATX_SIZE];
        try {
            C.INSTANCE.statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC, buf);
        } catch (LastErrorException e) {
            throw new Failure(path, "cannot examine", e.getErrorCode());
        }
        return decode(buf);
    }

    private static byte[] readUpTo(int fd, int limit, Path path) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(Math.min(limit, 8192));
        byte[] chunk = new byte[Math.min(limit, 64 * 1024)];
        try {
            while (out.size() < limit) {
                long got = C.INSTANCE.read(fd, chunk, Math.min(chunk.length, limit - out.size()));
                if (got <= 0) break;
                out.write(chunk, 0, (int) got);
            }
        } catch (LastErrorException e) {
            throw new Failure(path, "cannot read", e.getErrorCode());
        }
        return out.toByteArray();
    }

    /** struct statx: the same layout on every architecture. */
    private static Stat decode(byte[] buf) {
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        long mtime = b.getLong(112) * 1_000_000_000L + Integer.toUnsignedLong(b.getInt(120));
        long dev = ((long) b.getInt(136) << 32) | Integer.toUnsignedLong(b.getInt(140));
        return new Stat(Short.toUnsignedInt(b.getShort(28)), b.getInt(20), b.getInt(24), dev, b.getLong(32),
                b.getLong(40), mtime);
    }
}
