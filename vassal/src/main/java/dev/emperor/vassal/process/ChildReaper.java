package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Learns of every worker's exit on one thread, however many workers run. Each watched child
 * gets a pidfd (the kernel's handle on a process, readable once it has exited) in one epoll
 * set; the thread wakes only when a child ends, reaps exactly that pid with
 * {@code waitpid(pid)} and reports its status.
 *
 * <p>The JDK would spend one reaper thread per child, blocked in waitpid, about 100 kB of
 * memory each. Reaping by pid (never {@code waitpid(-1)}) means a {@link Process} the JDK
 * started elsewhere in this JVM is never reaped behind its back.
 */
public final class ChildReaper implements AutoCloseable {

    /** Told once, on the reaper's thread, when a watched child has ended. */
    @FunctionalInterface
    public interface ExitListener {
        /**
         * @param exitCode as the JDK reports it: the exit status, or 128 + N when signal N killed
         *                 the process; -1 if the status was lost
         */
        void exited(long pid, int exitCode);
    }

    private static final System.Logger LOG = System.getLogger("emperor.workers");
    private static final int MAX_EVENTS = 64;

    private record Watch(int pid, int pidfd, ExitListener listener) {
    }

    private final int epfd;
    private final int wakeFd;
    private final Map<Integer, Watch> byPidfd = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    public ChildReaper() throws IOException {
        try {
            epfd = Posix.libc().epoll_create1(Posix.EPOLL_CLOEXEC);
            wakeFd = Posix.libc().eventfd(0, Posix.EFD_CLOEXEC | Posix.EFD_NONBLOCK);
            register(wakeFd);
        } catch (LastErrorException e) {
            throw new IOException("cannot set up epoll for worker exits: errno " + e.getErrorCode(), e);
        }
        thread = Thread.ofPlatform().name("emperor-reaper").daemon(true).start(this::loop);
    }

    /**
     * Calls {@code listener} when child {@code pid} of this process ends, also if it has ended
     * already (an unreaped child stays a zombie until then, so nothing is missed).
     *
     * @throws IllegalStateException if the kernel gives no pidfd (the fd limit is reached)
     */
    public void watch(long pid, ExitListener listener) {
        int p = Math.toIntExact(pid);
        int pidfd;
        try {
            pidfd = Posix.pidfdOpen(p);
        } catch (LastErrorException e) {
            throw new IllegalStateException("cannot watch pid " + pid + ": pidfd_open failed with errno "
                    + e.getErrorCode() + (e.getErrorCode() == Posix.EMFILE || e.getErrorCode() == Posix.ENFILE
                            ? " (too many open files: raise the emperor's limit-nofile)" : ""));
        }
        byPidfd.put(pidfd, new Watch(p, pidfd, listener));
        try {
            register(pidfd);
        } catch (LastErrorException e) {
            byPidfd.remove(pidfd);
            close(pidfd);
            throw new IllegalStateException("cannot watch pid " + pid + ": epoll_ctl failed with errno "
                    + e.getErrorCode());
        }
    }

    /**
     * Waits for a child that could not be watched and has just been sent SIGKILL, so that it
     * does not stay a zombie. Blocks only as long as the kernel takes to end it.
     */
    public void reapQuietly(long pid) {
        try {
            Posix.libc().waitpid(Math.toIntExact(pid), new IntByReference(), 0);
        } catch (LastErrorException e) {
            LOG.log(Level.DEBUG, "waitpid(" + pid + "): errno " + e.getErrorCode());
        }
    }

    /** How many children are watched now. */
    public int watched() {
        return byPidfd.size();
    }

    private void register(int fd) {
        // An int[] costs no native allocation (a Memory per call would be malloc'ed and freed later).
        Posix.libc().epoll_ctl(epfd, Posix.EPOLL_CTL_ADD, fd, new int[] {Posix.EPOLLIN, fd, 0});
    }

    private void loop() {
        Memory events = new Memory((long) MAX_EVENTS * Posix.EPOLL_EVENT_SIZE);
        IntByReference status = new IntByReference();
        while (running) {
            int n;
            try {
                n = Posix.libc().epoll_wait(epfd, events, MAX_EVENTS, -1);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Posix.EINTR) continue;
                LOG.log(Level.ERROR, "epoll_wait failed (errno " + e.getErrorCode() + "); worker exits go unnoticed");
                return;
            }
            for (int i = 0; i < n; i++) {
                int fd = (int) events.getLong((long) i * Posix.EPOLL_EVENT_SIZE + 4);
                if (fd == wakeFd) continue;
                Watch w = byPidfd.get(fd);
                if (w != null) reap(w, status);
            }
        }
    }

    private void reap(Watch w, IntByReference status) {
        int code;
        try {
            int r = Posix.libc().waitpid(w.pid(), status, Posix.WNOHANG);
            if (r == 0) return; // readable but not yet waitable: the next round will see it
            code = decode(status.getValue());
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Posix.EINTR) return;
            // ECHILD: someone reaped it behind our back; the exit is real, its status is lost.
            LOG.log(Level.WARNING, "the exit status of pid " + w.pid() + " was lost (errno " + e.getErrorCode() + ")");
            code = -1;
        }
        byPidfd.remove(w.pidfd());
        close(w.pidfd()); // also leaves the epoll set
        try {
            w.listener().exited(w.pid(), code);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "exit listener for pid " + w.pid() + " failed", e);
        }
    }

    /** A wait status as the JDK reports it. */
    static int decode(int status) {
        int signal = status & 0x7f;
        if (signal == 0) return (status >> 8) & 0xff;
        return 0x80 + signal;
    }

    private static void close(int fd) {
        try {
            Posix.libc().close(fd);
        } catch (LastErrorException ignored) {
            // already closed
        }
    }

    /** Stops the thread; children still running are no longer reported (nor reaped). */
    @Override
    public void close() {
        running = false;
        try {
            Posix.libc().write(wakeFd, new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, 8);
        } catch (LastErrorException ignored) {
            // gone already
        }
        try {
            thread.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int fd : byPidfd.keySet()) close(fd);
        close(epfd);
        close(wakeFd);
    }
}
