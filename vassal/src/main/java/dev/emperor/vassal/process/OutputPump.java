package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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
 */
public final class OutputPump implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.logs");
    static final long MAX_QUEUED_BYTES = 16 << 20;
    static final int MAX_LINE = 64 << 10;

    private final EpollSet pipes;
    private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
    private final Map<Long, Stream> byPid = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Exit> exits = new ConcurrentLinkedQueue<>();
    private final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Thread reader;
    private final Thread writer;
    private volatile boolean running = true;

    public OutputPump() throws IOException {
        this.pipes = new EpollSet("worker output");
        this.reader = Thread.ofPlatform().name("emperor-output-reader").daemon(true).unstarted(this::readLoop);
        this.writer = Thread.ofPlatform().name("emperor-output-writer").daemon(true).unstarted(this::writeLoop);
        reader.start();
        writer.start();
    }

    /**
     * A pipe waiting for its worker: {@link #writeFd()} becomes the child's stdout and stderr
     * (it is close-on-exec here, so no other child inherits it), and is -1 once the child
     * holds it; {@link #readFd()} is ours.
     */
    public record PendingOutput(int readFd, int writeFd) {
    }

    /** Makes a pipe whose read end does not block (the reader drains many pipes in turn). */
    public PendingOutput prepare() throws LaunchException {
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
        return new PendingOutput(fds[0], fds[1]);
    }

    /**
     * The child holds the write end now: ours must go, so that its exit ends the stream.
     * Returns the pipe as it is left (no write end).
     */
    public PendingOutput spawned(PendingOutput output) {
        Posix.closeQuietly(output.writeFd());
        return new PendingOutput(output.readFd(), -1);
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
        int fd = output.readFd();
        Stream s = new Stream(fd, target, prefix.getBytes(StandardCharsets.UTF_8), pid);
        streams.put(fd, s);
        if (pid > 0) {
            byPid.put(pid, s);
            // Queued before the pipe is watched, so it precedes the worker's first line.
            s.marker("started (pid " + pid + ")");
            enqueue(s);
        }
        try {
            pipes.add(fd);
        } catch (LastErrorException e) {
            byPid.remove(pid);
            streams.remove(fd);
            Posix.closeQuietly(fd);
            LOG.log(Level.ERROR, "cannot watch worker output (errno " + e.getErrorCode() + "); its output is lost");
        }
    }

    /** The worker never ran: close the ends we still hold. */
    public void cancel(PendingOutput output) {
        Posix.closeQuietly(output.readFd());
        if (output.writeFd() >= 0) Posix.closeQuietly(output.writeFd());
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
        for (Stream s : streams.values()) s.target.reopen();
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
                    Stream s = streams.get(fd);
                    if (s != null) pump(s, buf);
                });
                for (Exit e; (e = exits.poll()) != null; ) {
                    Stream s = byPid.remove(e.pid);
                    if (s == null) continue;
                    if (streams.get(s.fd) == s) pump(s, buf); // what it wrote before exiting comes first
                    s.finish();
                    s.marker(e.status.describe());
                    enqueue(s);
                }
            } catch (LastErrorException e) {
                LOG.log(Level.ERROR, "epoll_wait failed (errno " + e.getErrorCode() + "); worker output stops");
                return;
            }
        }
    }

    /** Reads until the pipe is empty (level-triggered epoll would wake us again anyway). */
    private void pump(Stream s, byte[] buf) {
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

    private void enqueue(Stream s) {
        if (s.pending.size() == 0) return;
        byte[] data = s.pending.toByteArray();
        int lines = s.pendingLines;
        s.pending.reset();
        s.pendingLines = 0;
        if (queuedBytes.addAndGet(data.length) > MAX_QUEUED_BYTES) {
            queuedBytes.addAndGet(-data.length);
            s.target.dropped(lines);
            return;
        }
        queue.add(new Chunk(s.target, data, lines));
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
            c.target.write(c.data, c.lines);
        }
    }

    /** Stops both threads after writing what is queued; open streams are abandoned. */
    @Override
    public void close() {
        running = false;
        pipes.wake();
        queue.add(new Chunk(null, new byte[0], 0));
        try {
            writer.join(5_000);
            reader.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int fd : streams.keySet()) Posix.closeQuietly(fd);
        pipes.close();
    }

    private record Chunk(LogTarget target, byte[] data, int lines) {
    }

    private record Exit(long pid, ExitStatus status) {
    }

    /** One worker's output: the bytes of a line not finished yet, and lines ready to queue. */
    private static final class Stream {
        private static final DateTimeFormatter TIME =
                DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z' ").withZone(ZoneOffset.UTC);
        final int fd;
        final LogTarget target;
        final byte[] prefix;
        final long pid;
        /** "worker 1" from "[worker 1] ", for marker lines. */
        final String label;
        private long stampMs = -1;
        private byte[] stamp;
        final ByteArrayOutputStream pending = new ByteArrayOutputStream(1024);
        int pendingLines;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream(256);

        Stream(int fd, LogTarget target, byte[] prefix, long pid) {
            this.fd = fd;
            this.target = target;
            this.prefix = prefix;
            this.pid = pid;
            String p = new String(prefix, StandardCharsets.UTF_8).strip();
            if (p.startsWith("[") && p.endsWith("]")) p = p.substring(1, p.length() - 1);
            this.label = p.isEmpty() ? "worker" : p;
        }

        /** A line of the emperor's own, e.g. {@code --- worker 1 started (pid 42)}. */
        void marker(String what) {
            timestamp();
            pending.writeBytes(("--- " + label + " " + what + "\n").getBytes(StandardCharsets.UTF_8));
            pendingLines++;
        }

        private void timestamp() {
            if (!target.timestamps()) return;
            long now = System.currentTimeMillis();
            if (now != stampMs) {
                stampMs = now;
                stamp = TIME.format(Instant.ofEpochMilli(now)).getBytes(StandardCharsets.US_ASCII);
            }
            pending.writeBytes(stamp);
        }

        void accept(byte[] buf, int len) {
            int start = 0;
            for (int i = 0; i < len; i++) {
                if (buf[i] == '\n') {
                    line(buf, start, i - start);
                    start = i + 1;
                }
            }
            if (start < len) {
                partial.write(buf, start, len - start);
                if (partial.size() >= MAX_LINE) line(buf, 0, 0); // an endless line is cut, not hoarded
            }
        }

        private void line(byte[] buf, int off, int len) {
            timestamp();
            pending.writeBytes(prefix);
            if (partial.size() > 0) {
                pending.writeBytes(partial.toByteArray());
                partial.reset();
            }
            pending.write(buf, off, len);
            pending.write('\n');
            pendingLines++;
        }

        void finish() {
            if (partial.size() > 0) line(new byte[0], 0, 0);
        }
    }
}
