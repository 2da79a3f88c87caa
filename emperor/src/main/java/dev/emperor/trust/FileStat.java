package dev.emperor.trust;

import com.sun.jna.LastErrorException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** What statx says about one file, symlink or directory: enough to judge who controls it. */
record FileStat(int uid, int gid, int mode, long inode, long size, int nlink) {

    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_ISVTX = 01000;

    /** {@code name} in {@code dirfd}, not following a symlink. */
    static FileStat at(int dirfd, String name) throws LastErrorException {
        byte[] buf = new byte[Libc.STATX_SIZE];
        Libc.c().statx(dirfd, name, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC, buf);
        return decode(buf);
    }

    /** The file {@code fd} is open on. */
    static FileStat of(int fd) throws LastErrorException {
        byte[] buf = new byte[Libc.STATX_SIZE];
        Libc.c().statx(fd, "", Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC, buf);
        return decode(buf);
    }

    /** struct statx: the same layout on every architecture. */
    private static FileStat decode(byte[] buf) {
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        return new FileStat(b.getInt(20), b.getInt(24), Short.toUnsignedInt(b.getShort(28)), b.getLong(32),
                b.getLong(40), b.getInt(16));
    }

    boolean isDirectory() {
        return (mode & S_IFMT) == S_IFDIR;
    }

    boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
    }

    boolean isSymlink() {
        return (mode & S_IFMT) == S_IFLNK;
    }

    boolean isSticky() {
        return (mode & S_ISVTX) != 0;
    }

    /** Someone besides the owner may write it. */
    boolean writableByGroupOrOthers() {
        return (mode & 0022) != 0;
    }

    /** The permission bits as {@code ls -l} and chmod write them, e.g. {@code 0644}, {@code 1777}. */
    String octalMode() {
        return String.format("%04o", mode & 07777);
    }
}
