package dev.emperor.heartbeat;

import dev.emperor.agent.protocol.Frames;
import dev.emperor.agent.protocol.LineDecoder;
import dev.emperor.agent.protocol.Message;
import dev.emperor.agent.protocol.ProtocolException;
import dev.emperor.vassal.process.Posix;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The Unix socket agents report to ({@code RUN_DIR/agent.sock}), on one thread with one
 * selector for every connection. The socket is hostile ground: every connection must say
 * {@code hello} within {@link #HELLO_TIMEOUT_MS}, lines are bounded by the decoder, a
 * connection sending faster than {@link #MAX_FRAMES_PER_SECOND} is cut off, and past
 * {@link #MAX_CONNECTIONS} new ones are refused. A bad peer costs only its own connection.
 *
 * <p>Who a peer is decides the event loop, not this thread: a hello goes to the loop with the
 * peer's kernel credentials (SO_PEERCRED pid and uid), and the loop answers with
 * {@link #accept} or {@link #reject}. Until then the connection is not read. After that,
 * messages go to the loop tagged with the worker they belong to.
 */
public final class AgentServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.agents");
    static final long HELLO_TIMEOUT_MS = 5_000;
    static final int MAX_FRAMES_PER_SECOND = 200;
    static final int MAX_CONNECTIONS = 10_000;
    /**
     * Pause after a round that received something, so that the next round gathers more. Each
     * batch costs a sleep, a wake-up and a hand-over to the loop (about 190 us of CPU on a
     * small VM); 200 ms delays a heartbeat's effect by at most that, against intervals of
     * seconds, and measured 13 us per heartbeat at 1,000 a second instead of 19 with 50 ms.
     */
    static final long BATCH_MS = 200;
    private static final int READ_BUFFER = 16 << 10;
    private static final int MAX_PENDING_OUTPUT = 64 << 10;

    /** What the loop hears from the socket. */
    public sealed interface Inbound {
        long connection();
    }

    /** A peer said hello; the loop must answer with accept or reject. */
    public record HelloFrom(long connection, Message.Hello hello, long peerPid, long peerUid) implements Inbound {
    }

    /** A message from an accepted peer. */
    public record MessageFrom(long connection, WorkerRef worker, long peerPid, Message message) implements Inbound {
    }

    /** An accepted peer's connection ended (goodbye, error, or the process went away). */
    public record Closed(long connection, WorkerRef worker, long peerPid, String why) implements Inbound {
    }

    /** Which worker an accepted connection speaks for. */
    public record WorkerRef(String vassal, int worker, long workerPid) {
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Consumer<List<Inbound>> inbound;
    /** What this round of the selector received, handed to the loop in one piece. */
    private final List<Inbound> batch = new ArrayList<>();
    private final Thread thread;
    private final Map<Long, Connection> connections = new HashMap<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Method fdGetter;
    private long nextId = 1;
    private long lastExpireMs;
    private volatile boolean running = true;

    public AgentServer(Path path, Consumer<List<Inbound>> inbound) throws IOException {
        this.path = path;
        this.inbound = inbound;
        Files.deleteIfExists(path); // the run-dir lock says no live emperor owns it
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path), 512);
        // Workers may run as other users (uid = ...): anyone may connect, only a worker's own
        // token from within its own process tree is accepted.
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        server.configureBlocking(false);
        this.selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.fdGetter = fdGetter();
        this.thread = Thread.ofPlatform().name("emperor-agents").daemon(true).unstarted(this::run);
    }

    public Path path() {
        return path;
    }

    public void start() {
        thread.start();
    }

    /** The loop accepted a hello: answer welcome and start reading. Any thread. */
    public void accept(long connection, WorkerRef worker, long heartbeatMs) {
        command(() -> {
            Connection c = connections.get(connection);
            if (c == null) return;
            c.worker = worker;
            c.send(Frames.encode(new Message.Welcome(heartbeatMs)));
            c.interest(SelectionKey.OP_READ);
        });
    }

    /** The loop refused a hello: answer error and close. Any thread. */
    public void reject(long connection, String why) {
        command(() -> {
            Connection c = connections.get(connection);
            if (c != null) c.fail(why);
        });
    }

    private void command(Runnable r) {
        commands.add(r);
        selector.wakeup();
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocateDirect(READ_BUFFER);
        // The decoder works in place on a heap array (no per-byte get, no copy into its
        // partial-line buffer); one bulk copy out of the direct buffer gets it there.
        ByteBuffer heap = ByteBuffer.allocate(READ_BUFFER);
        while (running) {
            try {
                selector.select(connections.isEmpty() ? 0 : 1_000);
            } catch (IOException e) {
                LOG.log(Level.ERROR, "agent socket selector failed: " + e.getMessage());
                return;
            }
            Runnable r;
            while ((r = commands.poll()) != null) r.run();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                if (!key.isValid()) continue;
                if (key.isAcceptable()) {
                    acceptConnections();
                } else {
                    Connection c = (Connection) key.attachment();
                    if (key.isValid() && key.isWritable()) c.flush();
                    if (key.isValid() && key.isReadable()) c.read(buf, heap);
                }
            }
            expire();
            if (!batch.isEmpty()) {
                inbound.accept(List.copyOf(batch));
                batch.clear();
                // Heartbeats are seconds apart: gathering them for a moment turns a thousand
                // wake-ups a second (of this thread and of the loop) into a few dozen.
                try {
                    Thread.sleep(BATCH_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void acceptConnections() {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "accepting an agent connection failed: " + e.getMessage()
                        + (e.getMessage() != null && e.getMessage().contains("Too many open files")
                        ? " (raise the emperor's open-file limit)" : ""));
                return;
            }
            if (ch == null) return;
            if (connections.size() >= MAX_CONNECTIONS) {
                closeQuietly(ch);
                continue;
            }
            try {
                ch.configureBlocking(false);
                long[] cred = credentials(ch);
                Connection c = new Connection(nextId++, ch, cred == null ? -1 : cred[0], cred == null ? -1 : cred[1]);
                c.key = ch.register(selector, SelectionKey.OP_READ, c);
                connections.put(c.id, c);
            } catch (IOException e) {
                closeQuietly(ch);
            }
        }
    }

    /** Closes connections that never said hello, or do not read their error; once a second at most. */
    private void expire() {
        long now = System.nanoTime() / 1_000_000;
        if (now - lastExpireMs < 1_000) return;
        lastExpireMs = now;
        for (Connection c : connections.values().toArray(new Connection[0])) {
            if (c.closing && now - c.closingMs > 2_000) {
                c.close(null); // it does not read its error: drop it
            } else if (c.worker == null && !c.helloSent && now - c.openedMs > HELLO_TIMEOUT_MS) {
                c.fail("no hello within " + HELLO_TIMEOUT_MS / 1000 + " s");
            } else if (c.worker == null && c.helloSent && now - c.openedMs > 4 * HELLO_TIMEOUT_MS) {
                c.fail("the emperor did not recognise this worker in time");
            }
        }
    }

    private long[] credentials(SocketChannel ch) {
        if (fdGetter == null) return null;
        try {
            return Posix.peerCredentials((Integer) fdGetter.invoke(ch));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The JDK hides a channel's file descriptor; SO_PEERCRED needs it for the peer's pid (the
     * JDK's own SO_PEERCRED option gives only user and group). The jar's manifest exports
     * sun.nio.ch to us for this one call.
     */
    private static Method fdGetter() {
        try {
            return Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read agent peers' pids (" + e + "); only tokens authenticate agents");
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection c : connections.values()) closeQuietly(c.channel);
        server.close();
        selector.close();
        Files.deleteIfExists(path);
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // gone either way
        }
    }

    /** One peer: its decoder, what is waiting to be sent to it, and who it turned out to be. */
    private final class Connection {
        final long id;
        final SocketChannel channel;
        final long peerPid;
        final long peerUid;
        final long openedMs = System.nanoTime() / 1_000_000;
        final LineDecoder decoder = LineDecoder.fromWorker();
        final ArrayDeque<ByteBuffer> output = new ArrayDeque<>();
        final Consumer<Message> sink = this::onMessage;
        SelectionKey key;
        WorkerRef worker;
        boolean helloSent;
        boolean closing;
        long closingMs;
        long windowStartMs = openedMs;
        int framesInWindow;

        Connection(long id, SocketChannel channel, long peerPid, long peerUid) {
            this.id = id;
            this.channel = channel;
            this.peerPid = peerPid;
            this.peerUid = peerUid;
        }

        void read(ByteBuffer buf, ByteBuffer heap) {
            buf.clear();
            int n;
            try {
                n = channel.read(buf);
            } catch (IOException e) {
                close("read failed: " + e.getMessage());
                return;
            }
            if (n < 0) {
                close("connection closed");
                return;
            }
            buf.flip();
            heap.clear();
            heap.put(buf);
            heap.flip();
            try {
                decoder.decode(heap, sink);
            } catch (ProtocolException e) {
                fail(e.getMessage());
            }
        }

        private void onMessage(Message m) {
            if (closing) return;
            long now = System.nanoTime() / 1_000_000;
            if (now - windowStartMs >= 1_000) {
                windowStartMs = now;
                framesInWindow = 0;
            }
            if (++framesInWindow > MAX_FRAMES_PER_SECOND) {
                fail("more than " + MAX_FRAMES_PER_SECOND + " messages a second");
                return;
            }
            if (m instanceof Message.Hello hello) {
                helloSent = true;
                interest(0); // not another byte until the loop has decided who this is
                batch.add(new HelloFrom(id, hello, peerPid, peerUid));
                return;
            }
            if (worker == null) {
                fail("say hello first");
                return;
            }
            batch.add(new MessageFrom(id, worker, peerPid, m));
            if (m instanceof Message.Goodbye) close("goodbye");
        }

        void interest(int ops) {
            if (key.isValid()) key.interestOps(ops | (output.isEmpty() ? 0 : SelectionKey.OP_WRITE));
        }

        void send(byte[] frame) {
            int pending = output.stream().mapToInt(ByteBuffer::remaining).sum();
            if (pending + frame.length > MAX_PENDING_OUTPUT) {
                close("peer does not read its replies");
                return;
            }
            output.add(ByteBuffer.wrap(frame));
            flush();
        }

        void flush() {
            try {
                while (!output.isEmpty()) {
                    ByteBuffer b = output.peek();
                    channel.write(b);
                    if (b.hasRemaining()) break;
                    output.poll();
                }
            } catch (IOException e) {
                close("write failed: " + e.getMessage());
                return;
            }
            if (output.isEmpty() && closing) {
                close(null);
                return;
            }
            if (key.isValid()) {
                int ops = key.interestOps();
                key.interestOps(output.isEmpty() ? ops & ~SelectionKey.OP_WRITE : ops | SelectionKey.OP_WRITE);
            }
        }

        /** Tells the peer why, then closes. */
        void fail(String why) {
            if (closing) return;
            closing = true;
            closingMs = System.nanoTime() / 1_000_000;
            LOG.log(Level.WARNING, "agent connection from pid " + peerPid + (worker != null ? " (vassal "
                    + worker.vassal() + " worker " + worker.worker() + ")" : "") + " refused: " + why);
            output.add(ByteBuffer.wrap(Frames.encode(new Message.Error(why))));
            flush();
            if (worker != null) batch.add(new Closed(id, worker, peerPid, why));
            worker = null;
        }

        void close(String why) {
            if (key != null) key.cancel();
            closeQuietly(channel);
            connections.remove(id);
            if (worker != null && why != null) batch.add(new Closed(id, worker, peerPid, why));
            worker = null;
        }
    }
}
