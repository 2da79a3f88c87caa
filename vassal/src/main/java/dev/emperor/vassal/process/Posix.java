package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The few libc calls the JDK lacks: posix_spawn and a socket that carries descriptors (to
 * start the worker spawner and hand it each worker's output pipe), pidfds (to reap workers
 * without a thread each), signals to a pid other than SIGTERM/SIGKILL and to a whole process
 * group, pipes and epoll for reading many workers' output on one thread, and account
 * look-ups. Stateless; the library is loaded once per JVM by JNA.
 */
public final class Posix {

    static final int ENOENT = 2;
    static final int ESRCH = 3;
    static final int EBADF = 9;
    static final int EINTR = 4;
    static final int ECHILD = 10;
    static final int EAGAIN = 11;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int F_SETFL = 4;
    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 04000;
    static final int SO_SNDBUF = 7;
    static final int MSG_DONTWAIT = 0x40;
    static final int SOCK_CLOEXEC = 02000000;
    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;
    static final int SO_RCVTIMEO = 20;
    static final int SO_SNDTIMEO = 21;
    static final int WNOHANG = 1;
    /** pidfd_open(2): the same number on every architecture (Linux 5.3+). */
    static final long SYS_PIDFD_OPEN = 434;
    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    static final short POSIX_SPAWN_SETSID = 0x80;
    /** Larger than glibc's posix_spawn_file_actions_t (80 bytes) and posix_spawnattr_t (336). */
    static final int SPAWN_STRUCT_BYTES = 512;
    static final int SIGSET_BYTES = 128;
    static final int O_RDONLY = 0;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;
    static final int EPOLL_CLOEXEC = 02000000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLLIN = 0x001;
    static final int EFD_CLOEXEC = 02000000;
    static final int EFD_NONBLOCK = 04000;
    /** struct epoll_event is packed on x86_64: u32 events, u64 data. */
    static final int EPOLL_EVENT_SIZE = 12;
    static final int EINVAL = 22;
    static final int EMSGSIZE = 90;
    static final int ECONNREFUSED = 111;
    static final int MFD_CLOEXEC = 0x1;
    static final int MFD_ALLOW_SEALING = 0x2;
    /** Linux 6.3+: an executable memfd even where vm.memfd_noexec = 1; EINVAL before. */
    static final int MFD_EXEC = 0x10;
    static final int F_ADD_SEALS = 1033;
    static final int F_SEAL_SEAL = 0x1;
    static final int F_SEAL_SHRINK = 0x2;
    static final int F_SEAL_GROW = 0x4;
    static final int F_SEAL_WRITE = 0x8;
    static final int O_WRONLY = 1;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_NOFOLLOW = 0400000;
    static final long SYS_FSTAT = 5;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int SEEK_END = 2;
    /** struct stat on x86_64: st_nlink at 16 (u64), st_mode at 24, st_uid at 28, st_size at 48. */
    static final int STAT_BYTES = 144;
    static final int S_IFMT = 0170000;
    static final int S_IFREG = 0100000;

    interface LibC extends Library {
        int kill(int pid, int sig) throws LastErrorException;

        int killpg(int pgrp, int sig) throws LastErrorException;

        int getpgid(int pid) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        long read(int fd, byte[] buf, long count) throws LastErrorException;

        long read(int fd, Pointer buf, long count) throws LastErrorException;

        long write(int fd, byte[] buf, long count) throws LastErrorException;

        int epoll_create1(int flags) throws LastErrorException;

        /** {@code event} as three ints: events, then the 64-bit data as low and high half. */
        int epoll_ctl(int epfd, int op, int fd, int[] event) throws LastErrorException;

        int epoll_wait(int epfd, Pointer events, int maxevents, int timeout) throws LastErrorException;

        int eventfd(int initval, int flags) throws LastErrorException;

        int geteuid();

        int pipe2(int[] fds, int flags) throws LastErrorException;

        int socketpair(int domain, int type, int protocol, int[] fds) throws LastErrorException;

        int socket(int domain, int type, int protocol) throws LastErrorException;

        /** {@code value}: one int. */
        int setsockopt(int fd, int level, int option, int[] value, int len) throws LastErrorException;

        /** {@code value}: a struct timeval as {seconds, microseconds}. */
        int setsockopt(int fd, int level, int option, long[] value, int len) throws LastErrorException;

        long sendmsg(int fd, Pointer msg, int flags) throws LastErrorException;

        int fcntl(int fd, int cmd, int arg) throws LastErrorException;

        int memfd_create(String name, int flags) throws LastErrorException;

        int open(String path, int flags, int mode) throws LastErrorException;

        int unlink(String path) throws LastErrorException;

        long recvmsg(int fd, Pointer msg, int flags) throws LastErrorException;

        long lseek(int fd, long offset, int whence) throws LastErrorException;

        /** Variadic: JNA passes the arguments as C would. Used for pidfd_open (glibc has no wrapper before 2.36). */
        long syscall(long number, Object... args) throws LastErrorException;

        int waitpid(int pid, IntByReference status, int options) throws LastErrorException;

        // posix_spawn and its helpers return an error number instead of setting errno.
        int posix_spawn(IntByReference pid, Pointer path, Pointer fileActions, Pointer attr, Pointer argv,
                        Pointer envp);

        int posix_spawn_file_actions_init(Pointer fileActions);

        int posix_spawn_file_actions_destroy(Pointer fileActions);

        int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, String path, int flags, int mode);

        int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

        int posix_spawnattr_init(Pointer attr);

        int posix_spawnattr_destroy(Pointer attr);

        int posix_spawnattr_setflags(Pointer attr, short flags);

        int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

        int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

        int sigfillset(Pointer sigset);

        int sigemptyset(Pointer sigset);

        String strerror(int errnum);

        // Account look-ups go through the emperor's own libc, so NSS (LDAP, sssd) answers too.
        Pointer getpwnam(String name);

        Pointer getpwuid(int uid);

        Pointer getgrnam(String name);

        int getgrouplist(String user, int group, int[] groups, IntByReference ngroups);

    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    static LibC libc() {
        return Holder.LIBC;
    }

    private Posix() {
    }

    /** A pidfd for {@code pid} (close-on-exec), which becomes readable when the process exits. */
    static int pidfdOpen(int pid) throws LastErrorException {
        return (int) Holder.LIBC.syscall(SYS_PIDFD_OPEN, pid, 0);
    }

    /** What fstat(2) says of a descriptor: type and permission bits, owner, links, size. */
    record FileStat(int mode, int uid, long links, long size) {
        boolean isRegularFile() {
            return (mode & S_IFMT) == S_IFREG;
        }
    }

    static FileStat fstat(int fd) throws LastErrorException {
        try (Memory st = new Memory(STAT_BYTES)) {
            Holder.LIBC.syscall(SYS_FSTAT, fd, st);
            return new FileStat(st.getInt(24), st.getInt(28), st.getLong(16), st.getLong(48));
        }
    }

    /** Closes {@code fd}, ignoring an error (already closed). Closing also leaves any epoll set. */
    static void closeQuietly(int fd) {
        try {
            Holder.LIBC.close(fd);
        } catch (LastErrorException ignored) {
            // already closed
        }
    }

    /** Sends {@code signal} to one process; false if it no longer exists. */
    public static boolean kill(long pid, Signal signal) {
        try {
            Holder.LIBC.kill(Math.toIntExact(pid), signal.number());
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ESRCH) return false;
            throw new IllegalStateException("kill(" + pid + ", " + signal + ") failed: errno " + e.getErrorCode(), e);
        }
    }

    /** Sends {@code signal} to every process in group {@code pgid}; false if the group is empty. */
    public static boolean killGroup(long pgid, Signal signal) {
        try {
            Holder.LIBC.killpg(Math.toIntExact(pgid), signal.number());
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ESRCH) return false;
            throw new IllegalStateException("killpg(" + pgid + ", " + signal + ") failed: errno " + e.getErrorCode(), e);
        }
    }

    public static int effectiveUid() {
        return Holder.LIBC.geteuid();
    }

    /** The process group of {@code pid}, or -1 if it no longer exists. */
    public static long processGroup(long pid) {
        try {
            return Holder.LIBC.getpgid(Math.toIntExact(pid));
        } catch (LastErrorException e) {
            return -1;
        }
    }
}
