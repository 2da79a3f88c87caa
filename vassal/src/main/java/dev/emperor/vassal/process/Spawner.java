package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.lang.System.Logger.Level;

/**
 * The emperor's end of {@code emperor-spawner} (source {@code vassal/src/main/c/}), the small
 * process that forks every worker: one request (the worker's command and its output pipe)
 * and one reply (the pid) over a Unix socket per worker. The worker is forked with
 * CLONE_PARENT, so it is the emperor's own child: the {@link ChildReaper} watches and reaps
 * it as if the emperor had forked it.
 *
 * <p>Why not posix_spawn from the JVM: each spawn copies the JVM's descriptor table (two
 * descriptors per running worker) and closes the copies again in the child, then needed a
 * second exec for what posix_spawn cannot do (user, limits, parent-death signal). At 1,000
 * workers that was about 5 ms of CPU per worker on this project's VMs; a fork of the spawner
 * is a fraction of it, and the caller waits only for the clone and the worker's first
 * message (its pid, sent before any set-up step that could block).
 *
 * <p>Started lazily on the caller's thread, which must be long-lived: the kernel ties the
 * workers' parent-death signal to the thread that started the spawner. A spawner that died
 * (killed by hand) is replaced at the next request. Not thread-safe: one caller thread.
 */
final class Spawner implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.workers");
    /**
     * A worker sends its pid as the first thing after the clone, so this covers the spawner
     * taking the request and cloning (plus the previous worker's exec, which the spawner waits
     * for): this long means it is stuck, e.g. a worker hung in a dead NFS directory before its
     * exec. Either way no worker was cloned for this request, so one retry is safe.
     */
    private static final long TIMEOUT_SECONDS = 2;
    /** The spawner's own cap; execve refuses far less (a quarter of the stack limit). */
    static final int MAX_REQUEST = 64 << 20;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSGHDR_BYTES = 56;
    private static final int IOVEC_BYTES = 16;
    private static final int CMSG_SPACE_ONE_FD = 24;
    private static final int CMSG_LEN_ONE_FD = 20;
    private static final int CMSG_SPACE_TWO_FDS = 24;
    private static final int CMSG_LEN_TWO_FDS = 24;

    private final SpawnerImage image;
    private final String emperorPid = Long.toString(ProcessHandle.current().pid());
    // Native buffers reused by every request (one caller thread).
    private final Memory msg = new Memory(MSGHDR_BYTES);
    private final Memory iov = new Memory(IOVEC_BYTES);
    private final Memory control = new Memory(Math.max(CMSG_SPACE_ONE_FD, CMSG_SPACE_TWO_FDS));
    private final Memory reply = new Memory(4);
    private int pid;
    private int socket = -1;

    Spawner(SpawnerImage image) {
        this.image = image;
    }

    /**
     * Forks a worker that runs {@code request} (see the C source for its fields) with its
     * output on {@code outFd}; returns the worker's pid. The caller still holds {@code outFd}.
     */
    int spawn(byte[] request, int outFd) throws LaunchException {
        return spawn(request, outFd, -1);
    }

    /**
     * As {@link #spawn(byte[], int)}, with stderr on {@code errFd} apart from stdout (-1: on
     * {@code outFd} too). The caller still holds both.
     */
    int spawn(byte[] request, int outFd, int errFd) throws LaunchException {
        if (request.length > MAX_REQUEST) {
            throw new LaunchException("the arguments and environment take " + (request.length >> 20)
                    + " MiB; at most " + (MAX_REQUEST >> 20) + " MiB");
        }
        for (int attempt = 1; ; attempt++) {
            if (socket < 0) start();
            try {
                send(request, outFd, errFd);
                int answer = receive();
                if (answer <= 0) {
                    throw new LaunchException("fork failed: " + Posix.libc().strerror(-answer)
                            + (-answer == Posix.EAGAIN ? " (process limit reached: raise the emperor's limit-nproc)" : ""));
                }
                return answer;
            } catch (SpawnerGone e) {
                LOG.log(Level.WARNING, "the worker spawner (pid " + pid + ") " + e.getMessage() + "; starting another");
                stop();
                if (attempt == 2) throw new LaunchException("the worker spawner " + e.getMessage() + " twice in a row");
            }
        }
    }

    /** Ends the spawner (it exits at end of file) and reaps it. */
    @Override
    public void close() {
        if (socket >= 0) stop();
    }

    private void start() throws LaunchException {
        HelperProcess.Connection helper = HelperProcess.start(image, TIMEOUT_SECONDS, "emperor-spawner", emperorPid);
        pid = helper.pid();
        socket = helper.socket();
        LOG.log(Level.DEBUG, "worker spawner started (pid " + pid + ")");
    }

    /** Closes the socket (a live spawner exits), kills what is left of it and reaps it. */
    private void stop() {
        HelperProcess.stop(new HelperProcess.Connection(pid, socket));
        socket = -1;
    }

    /** Length header and request in one buffer; the descriptor rides with its first byte. */
    private void send(byte[] request, int outFd, int errFd) throws SpawnerGone {
        try (Memory data = new Memory(4L + request.length)) {
            data.setInt(0, request.length);
            data.write(4, request, 0, request.length);
            long sent = 0;
            long total = 4L + request.length;
            while (sent < total) {
                iov.setPointer(0, data.share(sent));
                iov.setLong(Native.POINTER_SIZE, total - sent);
                msg.clear();
                msg.setPointer(16, iov);
                msg.setLong(24, 1);
                if (sent == 0) {
                    control.clear();
                    control.setLong(0, errFd < 0 ? CMSG_LEN_ONE_FD : CMSG_LEN_TWO_FDS);
                    control.setInt(8, Posix.SOL_SOCKET);
                    control.setInt(12, Posix.SCM_RIGHTS);
                    control.setInt(16, outFd);
                    if (errFd >= 0) control.setInt(20, errFd);
                    msg.setPointer(32, control);
                    msg.setLong(40, errFd < 0 ? CMSG_SPACE_ONE_FD : CMSG_SPACE_TWO_FDS);
                }
                try {
                    sent += Posix.libc().sendmsg(socket, msg, MSG_NOSIGNAL);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == Posix.EINTR) continue;
                    throw new SpawnerGone(e.getErrorCode() == Posix.EAGAIN
                            ? "did not take a request within " + TIMEOUT_SECONDS + " s"
                            : "could not be reached (errno " + e.getErrorCode() + ")");
                }
            }
        }
    }

    private int receive() throws SpawnerGone {
        long got = 0;
        while (got < reply.size()) {
            long n;
            try {
                n = Posix.libc().read(socket, reply.share(got), reply.size() - got);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Posix.EINTR) continue;
                throw new SpawnerGone(e.getErrorCode() == Posix.EAGAIN
                        ? "did not answer within " + TIMEOUT_SECONDS + " s"
                        : "could not be read (errno " + e.getErrorCode() + ")");
            }
            if (n == 0) throw new SpawnerGone("exited");
            got += n;
        }
        return reply.getInt(0);
    }

    /** The spawner is dead or stuck; the request may be retried with a new one. */
    private static final class SpawnerGone extends Exception {
        SpawnerGone(String message) {
            super(message, null, false, false);
        }
    }

}
