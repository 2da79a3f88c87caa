package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
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
        void exited(long pid, ExitStatus status);
    }

    private static final System.Logger LOG = System.getLogger("emperor.workers");

    private record Watch(int pid, int pidfd, ExitListener listener) {
    }

    private final EpollSet pidfds;
    private final Map<Integer, Watch> byPidfd = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    public ChildReaper() throws IOException {
        pidfds = new EpollSet("worker exits");
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
            pidfds.add(pidfd);
        } catch (LastErrorException e) {
            byPidfd.remove(pidfd);
            Posix.closeQuietly(pidfd);
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

    private void loop() {
        IntByReference status = new IntByReference();
        while (running) {
            try {
                pidfds.await(fd -> {
                    Watch w = byPidfd.get(fd);
                    if (w != null) reap(w, status);
                });
            } catch (LastErrorException e) {
                LOG.log(Level.ERROR, "epoll_wait failed (errno " + e.getErrorCode() + "); worker exits go unnoticed");
                return;
            }
        }
    }

    private void reap(Watch w, IntByReference status) {
        ExitStatus code;
        try {
            int r = Posix.libc().waitpid(w.pid(), status, Posix.WNOHANG);
            if (r == 0) return; // readable but not yet waitable: the next round will see it
            code = ExitStatus.fromWaitStatus(status.getValue());
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Posix.EINTR) return;
            // ECHILD: someone reaped it behind our back; the exit is real, its status is lost.
            LOG.log(Level.WARNING, "the exit status of pid " + w.pid() + " was lost (errno " + e.getErrorCode() + ")");
            code = ExitStatus.LOST;
        }
        byPidfd.remove(w.pidfd());
        Posix.closeQuietly(w.pidfd()); // also leaves the epoll set
        try {
            w.listener().exited(w.pid(), code);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "exit listener for pid " + w.pid() + " failed", e);
        }
    }

    /** Stops the thread; children still running are no longer reported (nor reaped). */
    @Override
    public void close() {
        running = false;
        pidfds.wake();
        try {
            thread.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int fd : byPidfd.keySet()) Posix.closeQuietly(fd);
        pidfds.close();
    }
}
