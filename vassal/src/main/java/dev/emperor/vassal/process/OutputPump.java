package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Carries every worker's stdout and stderr to its vassal's log, prefixed with the worker
 * id, with two threads in all, however many workers run:
 * <ul>
 *   <li>a <b>reader</b> waits in {@code epoll_wait} on the read ends of all workers' output
 *       pipes and cuts what arrives into lines. It never touches the disk, so a worker is
 *       never slowed by its own logging;</li>
 *   <li>a <b>writer</b> appends those lines to the log files and rotates them. If the disk is
 *       slow or full, lines wait in a bounded queue; past {@value #MAX_QUEUED_BYTES} bytes
 *       they are dropped and counted per vassal ({@link LogTarget#droppedLines()}), never
 *       silently.</li>
 * </ul>
 * A worker writes into a pipe made for it (see {@link #prepare()}): the launcher makes the
 * write end the child's stdout and stderr and closes its own copy; the read end stays here.
 *
 * <p>A worker attached with its pid gets a marker line in its log when it starts
 * ({@code --- worker 1 started (pid N)}) and, once its exit is reported ({@link #exited}),
 * after everything it wrote before exiting ({@code --- worker 1 exited with code 1}). With
 * {@code log-timestamp} every line starts with its time of arrival, ISO-8601 UTC with ms.
 *
 * <p>A vassal with {@code log-journal} ({@link LogTarget#journal()}) has its stdout and stderr
 * on two pipes, and the reader makes each line a journal entry of its own
 * ({@link JournalEntries}; PRIORITY 6 for stdout, 5 for stderr, unless the line starts with a
 * {@code <N>} prefix), and the markers entries too, and hands them to a third thread, the
 * {@link JournalSender}, through a bounded queue: the reader never waits for the journal;
 * what does not fit is dropped and counted ({@link JournalLog}). Its lines reach the log file
 * only when the vassal has {@code logto} too, or when no journal listens (then with one warning).
 */
public final class OutputPump implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.logs");
    static final long MAX_QUEUED_BYTES = 16 << 20;
    static final int MAX_LINE = 64 << 10;

    private final EpollSet pipes;
    private final Map<Integer, WorkerStream> streams = new ConcurrentHashMap<>();
    private final Map<Long, WorkerStream> byPid = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Exit> exits = new ConcurrentLinkedQueue<>();
    private final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Thread reader;
    private final Thread writer;
    private final JournalSender journal;
    private volatile boolean running = true;

    /**
     * A pump whose journal is journald's, or a test's listener named in the emperor's own
     * environment ({@link JournalSocket#forEnvironment}).
     */
    public OutputPump() throws IOException {
        this(JournalSocket.forEnvironment(System.getenv()));
    }

    /** A pump that sends {@code log-journal} vassals' output to {@code journal}. */
    public OutputPump(JournalSocket journal) throws IOException {
        this.journal = new JournalSender(journal);
        this.pipes = new EpollSet("worker output");
        this.reader = Thread.ofPlatform().name("emperor-output-reader").daemon(true).unstarted(this::readLoop);
        this.writer = Thread.ofPlatform().name("emperor-output-writer").daemon(true).unstarted(this::writeLoop);
        reader.start();
        writer.start();
    }

    /**
     * A pipe waiting for its worker: {@link #writeFd()} becomes the child's stdout and stderr
     * (it is close-on-exec here, so no other child inherits it), and is -1 once the child
     * holds it; {@link #readFd()} is ours. With stderr apart, {@link #errWriteFd()} is its
     * stderr and {@link #errReadFd()} ours; both are -1 otherwise.
     */
    public record PendingOutput(int readFd, int writeFd, int errReadFd, int errWriteFd) {
        public PendingOutput(int readFd, int writeFd) {
            this(readFd, writeFd, -1, -1);
        }
    }

    /** Makes a pipe whose read end does not block (the reader drains many pipes in turn). */
    public PendingOutput prepare() throws LaunchException {
        return prepare(false);
    }

    /** As {@link #prepare()}; with {@code separateStderr} a second pipe for stderr (log-journal). */
    public PendingOutput prepare(boolean separateStderr) throws LaunchException {
        int[] out = pipe();
        if (!separateStderr) return new PendingOutput(out[0], out[1]);
        try {
            int[] err = pipe();
            return new PendingOutput(out[0], out[1], err[0], err[1]);
        } catch (LaunchException e) {
            Posix.closeQuietly(out[0]);
            Posix.closeQuietly(out[1]);
            throw e;
        }
    }

    private static int[] pipe() throws LaunchException {
        int[] fds = new int[2];
        try {
            Posix.libc().pipe2(fds, Posix.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new LaunchException("cannot create the output pipe: errno " + e.getErrorCode()
                    + (e.getErrorCode() == Posix.EMFILE || e.getErrorCode() == Posix.ENFILE
                            ? " (too many open files: raise the emperor's limit-nofile)" : ""));
        }
        try {
            Posix.libc().fcntl(fds[0], Posix.F_SETFL, Posix.O_NONBLOCK);
        } catch (LastErrorException e) {
            Posix.closeQuietly(fds[0]);
            Posix.closeQuietly(fds[1]);
            throw new LaunchException("cannot set up the output pipe: errno " + e.getErrorCode());
        }
        return fds;
    }

    /**
     * The child holds the write end now: ours must go, so that its exit ends the stream.
     * Returns the pipe as it is left (no write end).
     */
    public PendingOutput spawned(PendingOutput output) {
        Posix.closeQuietly(output.writeFd());
        if (output.errWriteFd() >= 0) Posix.closeQuietly(output.errWriteFd());
        return new PendingOutput(output.readFd(), -1, output.errReadFd(), -1);
    }

    /** The worker runs: carry what it writes to {@code target}, each line after {@code prefix}. */
    public void attach(PendingOutput output, LogTarget target, String prefix) {
        attach(output, target, prefix, 0);
    }

    /**
     * As {@link #attach(PendingOutput, LogTarget, String)}, and marks the worker's start in its
     * log; its exit is marked once {@link #exited} reports it.
     */
    public void attach(PendingOutput output, LogTarget target, String prefix, long pid) {
        byte[] prefixBytes = prefix.getBytes(StandardCharsets.UTF_8);
        JournalLog j = target.journal();
        boolean toJournal = j != null && journal.socket().present();
        if (j != null && !toJournal && j.firstMissing()) {
            LOG.log(Level.WARNING, "vassal " + j.vassal() + ": log-journal = true but " + journal.socket().path()
                    + " is missing (is systemd-journald running?); writing to " + target.file() + " instead");
        }
        boolean toFile = !toJournal || j.alsoFile();
        target.writesFile(toFile);
        WorkerStream s = new WorkerStream(output.readFd(), target, prefixBytes, pid, toJournal ? journal : null, false, toFile);
        if (output.errReadFd() >= 0) {
            s.sibling = new WorkerStream(output.errReadFd(), target, prefixBytes, pid, toJournal ? journal : null, true, toFile);
        }
        if (pid > 0) {
            byPid.put(pid, s);
            // Queued before the pipe is watched, so it precedes the worker's first line.
            s.marker("started (pid " + pid + ")", "started", JournalEntries.INFO);
            enqueue(s);
        }
        watch(s);
        if (s.sibling != null) watch(s.sibling);
    }

    private void watch(WorkerStream s) {
        streams.put(s.fd, s);
        try {
            pipes.add(s.fd);
        } catch (LastErrorException e) {
            if (s.pid > 0 && !s.stderr) byPid.remove(s.pid);
            streams.remove(s.fd);
            Posix.closeQuietly(s.fd);
            LOG.log(Level.ERROR, "cannot watch worker output (errno " + e.getErrorCode() + "); its output is lost");
        }
    }

    /** The worker never ran: close the ends we still hold. */
    public void cancel(PendingOutput output) {
        Posix.closeQuietly(output.readFd());
        if (output.writeFd() >= 0) Posix.closeQuietly(output.writeFd());
        if (output.errReadFd() >= 0) Posix.closeQuietly(output.errReadFd());
        if (output.errWriteFd() >= 0) Posix.closeQuietly(output.errWriteFd());
    }

    /**
     * The worker {@code pid} has exited (any thread; the reaper's): its marker line is written
     * after whatever it wrote before exiting. A worker whose children still hold its output
     * gets the marker now; their later lines follow it.
     */
    public void exited(long pid, ExitStatus status) {
        if (pid <= 0 || !byPid.containsKey(pid)) return;
        exits.add(new Exit(pid, status));
        pipes.wake();
    }

    /**
     * After logrotate (SIGUSR1, {@code emperor reopen-logs}): every log that a running worker
     * writes to is closed and opened again at its path, before its next line.
     */
    public void reopenAll() {
        for (WorkerStream s : streams.values()) s.target.reopen();
    }

    /** Bytes waiting for the disk right now. */
    public long queuedBytes() {
        return queuedBytes.get();
    }

    private void readLoop() {
        byte[] buf = new byte[MAX_LINE];
        while (running) {
            try {
                pipes.await(fd -> {
                    WorkerStream s = streams.get(fd);
                    if (s != null) pump(s, buf);
                });
                for (Exit e; (e = exits.poll()) != null; ) {
                    WorkerStream s = byPid.remove(e.pid);
                    if (s == null) continue;
                    if (streams.get(s.fd) == s) pump(s, buf); // what it wrote before exiting comes first
                    WorkerStream err = s.sibling;
                    if (err != null) {
                        if (streams.get(err.fd) == err) pump(err, buf);
                        err.finish();
                        enqueue(err);
                    }
                    s.finish();
                    s.marker(e.status.describe(), "exited", JournalEntries.NOTICE);
                    enqueue(s);
                }
            } catch (LastErrorException e) {
                LOG.log(Level.ERROR, "epoll_wait failed (errno " + e.getErrorCode() + "); worker output stops");
                return;
            }
        }
    }

    /** Reads until the pipe is empty (level-triggered epoll would wake us again anyway). */
    private void pump(WorkerStream s, byte[] buf) {
        while (true) {
            long r;
            try {
                r = Posix.libc().read(s.fd, buf, buf.length);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Posix.EAGAIN) break;
                if (e.getErrorCode() == Posix.EINTR) continue;
                r = 0; // treat a read error as the end of this stream
            }
            if (r == 0) {
                s.finish();
                enqueue(s);
                streams.remove(s.fd);
                Posix.closeQuietly(s.fd); // also removes it from the epoll set
                return;
            }
            s.accept(buf, (int) r);
            if (s.pending.size() >= MAX_LINE) enqueue(s);
        }
        enqueue(s);
    }

    private void enqueue(WorkerStream s) {
        if (s.pending.size() == 0) return;
        byte[] data = s.pending.toByteArray();
        int lines = s.pendingLines;
        s.pending.reset();
        s.pendingLines = 0;
        if (queuedBytes.addAndGet(data.length) > MAX_QUEUED_BYTES) {
            queuedBytes.addAndGet(-data.length);
            if (s.toFile) s.target.dropped(lines);
            return;
        }
        queue.add(new Chunk(s.target, data, lines, s.toFile));
    }

    private void writeLoop() {
        while (true) {
            Chunk c;
            try {
                c = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (c.target == null) return; // close() was called and everything before it is written
            queuedBytes.addAndGet(-c.data.length);
            c.target.write(c.data, c.lines, c.toFile);
        }
    }

    /** Stops both threads after writing what is queued; open streams are abandoned. */
    @Override
    public void close() {
        running = false;
        pipes.wake();
        queue.add(new Chunk(null, new byte[0], 0, false));
        try {
            writer.join(5_000);
            reader.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int fd : streams.keySet()) Posix.closeQuietly(fd);
        pipes.close();
        journal.close();
    }

    private record Chunk(LogTarget target, byte[] data, int lines, boolean toFile) {
    }

    private record Exit(long pid, ExitStatus status) {
    }
}
