package dev.emperor.agent;

import dev.emperor.agent.protocol.Frames;
import dev.emperor.agent.protocol.HeartbeatEncoder;
import dev.emperor.agent.protocol.LineDecoder;
import dev.emperor.agent.protocol.Message;
import dev.emperor.agent.protocol.ProtocolException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The agent thread ("emperor-agent", a daemon): connects to the emperor, says hello, waits for
 * welcome, then sends heartbeats and whatever the app queued; reconnects with backoff when the
 * emperor goes away. All socket I/O is non-blocking with deadlines, so neither a silent
 * emperor nor a full socket can stall it, and app threads never touch the socket. Nothing
 * escapes this thread: every failure ends the session and leads to a retry.
 */
final class Reporter implements Runnable {

    static final String THREAD_NAME = "emperor-agent";
    static final long MIN_BACKOFF_MS = 1_000;
    static final long MAX_BACKOFF_MS = 30_000;
    static final long HANDSHAKE_TIMEOUT_MS = 10_000;
    private static final long GOODBYE_WAIT_MS = 200;
    private static final int OUT_BUFFER = 256 * 1024;

    private final WorkerEnvironment env;
    private final String socket;
    private final AppState state;
    private final long minBackoffMs;
    private final long maxBackoffMs;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile Selector selector;
    private JvmTelemetry jvm;
    private final HeartbeatEncoder encoder = new HeartbeatEncoder();
    private final TelemetrySink sink = TelemetrySink.of(encoder);
    private Mood mood = Mood.STARTING;
    private volatile long sessions;
    private volatile boolean connected;
    private volatile Thread thread;

    /** What was last logged: a line is written only when this changes. */
    private enum Mood { STARTING, CONNECTED, UNREACHABLE, LOST, REJECTED }

    Reporter(WorkerEnvironment env, AppState state) {
        this(env, state, MIN_BACKOFF_MS, MAX_BACKOFF_MS);
    }

    Reporter(WorkerEnvironment env, AppState state, long minBackoffMs, long maxBackoffMs) {
        this.env = env;
        this.socket = env.socket().orElseThrow();
        this.state = state;
        this.minBackoffMs = minBackoffMs;
        this.maxBackoffMs = maxBackoffMs;
    }

    /** Starts the thread and a shutdown hook that sends goodbye (waiting at most 200 ms). */
    Thread start() {
        // No inherited thread-locals from whoever called start().
        Thread t = new Thread(null, this, THREAD_NAME, 0, false);
        t.setDaemon(true);
        thread = t;
        t.start();
        try {
            // A plain class, not a lambda: this runs in premain, where the first lambda's
            // bootstrap would add milliseconds to the app's start.
            Runtime.getRuntime().addShutdownHook(new Thread(new Runnable() {
                @Override
                public void run() {
                    stopAndWait();
                }
            }, THREAD_NAME + "-shutdown"));
        } catch (IllegalStateException alreadyShuttingDown) {
            // nothing to say goodbye to
        }
        return t;
    }

    /** Asks the thread to say goodbye and end; waits briefly (only if connected) so an exiting JVM is not held up. */
    void stopAndWait() {
        stopping = true;
        wake();
        Thread t = thread;
        if (t != null) LockSupport.unpark(t); // it may be pausing between attempts
        if (!connected) return; // nobody to say goodbye to
        try {
            finished.await(GOODBYE_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void wake() {
        Selector s = selector;
        if (s != null) s.wakeup();
    }

    static void log(String line) {
        try {
            System.err.println(THREAD_NAME + ": " + line);
        } catch (Throwable ignored) {
            // stderr closed: nothing else to do
        }
    }

    private void mood(Mood next, String line) {
        if (next != mood) log(line);
        mood = next;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        state.setWakeup(this::wake);
        long backoff = minBackoffMs;
        try {
            while (!stopping) {
                long before = sessions;
                try {
                    session();
                } catch (Rejected r) {
                    mood(Mood.REJECTED, "the emperor at " + socket + " refused this process (" + r.getMessage()
                            + "); retrying every " + seconds(maxBackoffMs));
                    backoff = maxBackoffMs; // most likely not the worker (a launcher JVM): do not insist
                } catch (Throwable t) {
                    // Connection trouble (or a bug): never let it reach the app; retry later.
                    if (stopping) break;
                    if (mood == Mood.CONNECTED) {
                        mood(Mood.LOST, "lost the emperor at " + socket + " (" + describe(t) + "); reconnecting");
                    } else if (mood != Mood.LOST) {
                        mood(Mood.UNREACHABLE, "cannot reach the emperor at " + socket + " (" + describe(t)
                                + "); retrying every " + seconds(minBackoffMs) + " to " + seconds(maxBackoffMs));
                    }
                }
                if (sessions != before) backoff = minBackoffMs; // it had worked: start over at 1 s
                if (stopping) break;
                pause(backoff);
                backoff = Math.min(backoff * 2, maxBackoffMs);
            }
        } finally {
            state.setWakeup(null);
            finished.countDown();
        }
    }

    private void pause(long ms) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        long left;
        while (!stopping && (left = until - System.nanoTime()) > 0) LockSupport.parkNanos(this, left);
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms / 1000.0 + " s";
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        if (t instanceof IOException && m != null) return m;
        return m == null ? t.getClass().getName() : t.getClass().getName() + ": " + m; // not I/O: a bug, say what
    }

    /** One connection, start to end; counts {@link #sessions} once welcomed. Ends by exception unless stopping. */
    private void session() throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX); Selector sel = Selector.open()) {
            channel.configureBlocking(false);
            selector = sel;
            Connection c = new Connection(channel, sel);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HANDSHAKE_TIMEOUT_MS);
            c.connect(UnixDomainSocketAddress.of(socket), deadline);
            c.send(new Message.Hello(env.vassal(), env.worker(), env.token().orElse(""), ProcessHandle.current().pid(),
                    "java " + System.getProperty("java.version"), version()));
            Message.Welcome welcome = c.awaitWelcome(deadline);
            sessions++;
            long heartbeatMs = welcome.heartbeatMs();
            mood(Mood.CONNECTED, "connected to " + socket + " (vassal " + env.vassal() + ", worker " + env.worker()
                    + ", pid " + ProcessHandle.current().pid()
                    + (heartbeatMs > 0 ? ", heartbeat every " + heartbeatMs + " ms)" : ", no heartbeats)"));
            if (jvm == null) jvm = new JvmTelemetry();
            connected = true;
            converse(c, heartbeatMs);
        } finally {
            connected = false;
            selector = null;
        }
    }

    private void converse(Connection c, long heartbeatMs) throws IOException {
        long interval = TimeUnit.MILLISECONDS.toNanos(heartbeatMs);
        long next = System.nanoTime(); // the first beat goes out at once
        long seq = 0;
        boolean readySent = false;
        while (true) {
            if (stopping) {
                c.send(new Message.Goodbye("shutdown"));
                c.flush(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GOODBYE_WAIT_MS));
                return;
            }
            for (Message m; (m = state.next()) != null; ) {
                if (m instanceof Message.Ready) {
                    if (readySent) continue;
                    readySent = true;
                }
                c.send(m);
            }
            if (state.ready && !readySent) { // said before this connection: say it again
                c.send(new Message.Ready());
                readySent = true;
            }
            long now = System.nanoTime();
            if (interval > 0 && now - next >= 0) {
                c.send(heartbeat(++seq));
                next += interval;
                if (now - next >= 0) next = now + interval; // late (suspended, say): no burst of beats
            }
            long waitMs = interval > 0 ? Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime() + 999_999)) : 0;
            c.poll(waitMs);
        }
    }

    /**
     * Writes one heartbeat line: JVM figures, then app metrics while they fit. Straight into a
     * reused buffer with pre-encoded names: this runs mostly interpreted (a beat every few
     * seconds never gets hot), so every step saved counts.
     */
    ByteBuffer heartbeat(long seq) {
        encoder.begin(seq, jvm.uptimeMs());
        long pauseMs = jvm.collect(sink);
        state.export(sink, AppState.MAX_APP_ENTRIES);
        long cpu = jvm.currentThreadCpuNanos(); // last: the agent's own cost, this beat included
        if (cpu >= 0) sink.put(JvmTelemetry.AGENT_CPU_TIME, cpu / 1e9);
        return encoder.end(state.progressReported ? Math.max(0, state.progress.sum()) : -1, pauseMs);
    }

    JvmTelemetry jvm() {
        if (jvm == null) jvm = new JvmTelemetry();
        return jvm;
    }

    static String version() {
        String v = Reporter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** The emperor sent an error line: it does not want this process. */
    static final class Rejected extends IOException {
        private static final long serialVersionUID = 1L;

        Rejected(String message) {
            super(message);
        }
    }

    static final class EndOfStream extends IOException {
        private static final long serialVersionUID = 1L;

        EndOfStream(String message) {
            super(message);
        }
    }

    /** Non-blocking I/O on one channel: a bounded output queue and the emperor's decoder. */
    private final class Connection {
        private final SocketChannel channel;
        private final Selector sel;
        private final ByteBuffer out = ByteBuffer.allocate(OUT_BUFFER);
        private final ByteBuffer in = ByteBuffer.allocate(4096);
        private final LineDecoder decoder = LineDecoder.fromEmperor();
        private SelectionKey key;
        private Message.Welcome welcome;

        Connection(SocketChannel channel, Selector sel) {
            this.channel = channel;
            this.sel = sel;
            out.flip(); // empty, in read mode
        }

        void connect(UnixDomainSocketAddress address, long deadline) throws IOException {
            if (channel.connect(address)) {
                key = channel.register(sel, SelectionKey.OP_READ);
                return;
            }
            key = channel.register(sel, SelectionKey.OP_CONNECT);
            while (!channel.finishConnect()) {
                sel.select(remainingMs(deadline));
                sel.selectedKeys().clear();
                if (stopping) throw new IOException("stopping");
            }
            key.interestOps(SelectionKey.OP_READ);
        }

        void send(Message m) throws IOException {
            byte[] line;
            try {
                line = Frames.encode(m);
            } catch (IllegalArgumentException tooLong) {
                return; // an event text over 64 KiB: the emperor would refuse it, drop it
            }
            send(ByteBuffer.wrap(line));
        }

        /** Queues a line and writes what the socket takes now; a line that does not fit is dropped. */
        void send(ByteBuffer line) throws IOException {
            out.compact();
            if (out.remaining() >= line.remaining()) out.put(line);
            out.flip();
            write();
        }

        private void write() throws IOException {
            if (out.hasRemaining()) channel.write(out);
            int ops = out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            if (key.interestOps() != ops) key.interestOps(ops);
        }

        void flush(long deadline) throws IOException {
            while (out.hasRemaining() && System.nanoTime() - deadline < 0) {
                sel.select(remainingMs(deadline));
                sel.selectedKeys().clear();
                write();
            }
        }

        Message.Welcome awaitWelcome(long deadline) throws IOException {
            while (welcome == null) {
                if (System.nanoTime() - deadline >= 0) throw new IOException("no welcome within " + HANDSHAKE_TIMEOUT_MS + " ms");
                if (stopping) throw new IOException("stopping");
                poll(remainingMs(deadline));
            }
            return welcome;
        }

        /** Waits up to {@code ms} (0 = until woken) for input, room to write, or a wakeup. */
        void poll(long ms) throws IOException {
            sel.select(ms);
            sel.selectedKeys().clear();
            if (!key.isValid()) throw new EndOfStream("connection closed");
            if (key.isWritable()) write();
            if (key.isReadable()) read();
        }

        private void read() throws IOException {
            while (true) {
                in.clear();
                int n = channel.read(in);
                if (n < 0) throw new EndOfStream("closed by the emperor");
                if (n == 0) return;
                in.flip();
                try {
                    decoder.decode(in, this::received);
                } catch (ProtocolException e) {
                    throw new IOException("the emperor broke the protocol: " + e.getMessage());
                }
                if (error != null) throw new Rejected(error);
            }
        }

        private String error;

        private void received(Message m) {
            if (m instanceof Message.Welcome && welcome == null) welcome = (Message.Welcome) m;
            else if (m instanceof Message.Error && error == null) error = ((Message.Error) m).message();
        }

        private long remainingMs(long deadline) {
            return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        }
    }
}
