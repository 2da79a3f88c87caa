package dev.emperor.trust;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/** The few libc calls the trust checks need: a walk by descriptors, and accounts through NSS. */
final class Libc {

    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_EMPTY_PATH = 0x1000;

    static final int O_RDONLY = 0;
    static final int O_NOCTTY = 0x100;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int O_PATH = 0x200000;
    // these two differ between x86_64 and arm64
    static final int O_DIRECTORY = Platform.isARM() ? 0x4000 : 0x10000;
    static final int O_NOFOLLOW = Platform.isARM() ? 0x8000 : 0x20000;

    static final int ENOENT = 2;
    static final int ENOTDIR = 20;
    static final int ELOOP = 40;
    static final int ERANGE = 34;

    /** statx: type, mode, nlink, uid, gid, ino, size. */
    static final int STATX_BASIC = 0x7ff;
    static final int STATX_SIZE = 256;

    interface C extends Library {
        int openat(int dirfd, String path, int flags, int mode) throws LastErrorException;

        int statx(int dirfd, String path, int flags, int mask, byte[] buf) throws LastErrorException;

        long readlinkat(int dirfd, String path, byte[] buf, long size) throws LastErrorException;

        long read(int fd, byte[] buf, long count) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int geteuid();

        /** {@code limits}: struct rlimit as {soft, hard}. */
        int getrlimit(int resource, long[] limits) throws LastErrorException;

        String strerror(int errnum);

        // the re-entrant forms: checks may run on any thread
        int getpwuid_r(int uid, Pointer pwd, Pointer buf, long size, PointerByReference result);

        int getpwnam_r(String name, Pointer pwd, Pointer buf, long size, PointerByReference result);

        int getgrnam_r(String name, Pointer grp, Pointer buf, long size, PointerByReference result);

        int getgrouplist(String user, int group, int[] groups, IntByReference ngroups);
    }

    private static final class Holder {
        static final C C = Native.load("c", C.class);
    }

    static C c() {
        return Holder.C;
    }

    private Libc() {
    }

    static void closeQuietly(int fd) {
        if (fd < 0) return;
        try {
            c().close(fd);
        } catch (LastErrorException ignored) {
            // nothing to do about a failed close of a read-only descriptor
        }
    }

    /** The error number in words ("Permission denied"). */
    static String describe(LastErrorException e) {
        return c().strerror(e.getErrorCode());
    }
}
