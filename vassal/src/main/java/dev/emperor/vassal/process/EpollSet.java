package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.util.function.IntConsumer;

/**
 * One epoll set read by one thread, with an eventfd that {@link #wake()} uses to get that
 * thread out of its wait: what {@link OutputPump} (worker output) and {@link ChildReaper}
 * (worker exits) each wait on. Level-triggered, EPOLLIN only; a descriptor leaves the set
 * when it is closed.
 */
final class EpollSet implements AutoCloseable {

    private static final int MAX_EVENTS = 64;

    private final int epfd;
    private final int wakeFd;
    private final Memory events = new Memory((long) MAX_EVENTS * Posix.EPOLL_EVENT_SIZE);

    /** @param what what the set is for, in the error message */
    EpollSet(String what) throws IOException {
        try {
            epfd = Posix.libc().epoll_create1(Posix.EPOLL_CLOEXEC);
            wakeFd = Posix.libc().eventfd(0, Posix.EFD_CLOEXEC | Posix.EFD_NONBLOCK);
            add(wakeFd);
        } catch (LastErrorException e) {
            throw new IOException("cannot set up epoll for " + what + ": errno " + e.getErrorCode(), e);
        }
    }

    /** Watches {@code fd} for input (or its end). */
    void add(int fd) throws LastErrorException {
        // An int[] costs no native allocation (a Memory per call would be malloc'ed and freed later).
        Posix.libc().epoll_ctl(epfd, Posix.EPOLL_CTL_ADD, fd, new int[] {Posix.EPOLLIN, fd, 0});
    }

    /**
     * Waits until something is ready and hands each ready descriptor to {@code ready}; a
     * {@link #wake()} only returns. Called from the set's one thread.
     *
     * @throws LastErrorException if epoll_wait fails other than by a signal
     */
    void await(IntConsumer ready) throws LastErrorException {
        int n;
        try {
            n = Posix.libc().epoll_wait(epfd, events, MAX_EVENTS, -1);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Posix.EINTR) return;
            throw e;
        }
        for (int i = 0; i < n; i++) {
            int fd = (int) events.getLong((long) i * Posix.EPOLL_EVENT_SIZE + 4);
            if (fd == wakeFd) {
                try {
                    Posix.libc().read(wakeFd, new byte[8], 8);
                } catch (LastErrorException ignored) {
                    // EAGAIN: already drained
                }
            } else {
                ready.accept(fd);
            }
        }
    }

    /** Makes the waiting thread return from {@link #await}. */
    void wake() {
        try {
            Posix.libc().write(wakeFd, new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, 8);
        } catch (LastErrorException ignored) {
            // closed already
        }
    }

    @Override
    public void close() {
        Posix.closeQuietly(epfd);
        Posix.closeQuietly(wakeFd);
    }
}
