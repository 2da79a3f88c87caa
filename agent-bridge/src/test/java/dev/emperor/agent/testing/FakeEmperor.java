package dev.emperor.agent.testing;

import dev.emperor.agent.protocol.Frames;
import dev.emperor.agent.protocol.LineDecoder;
import dev.emperor.agent.protocol.Message;
import dev.emperor.agent.protocol.ProtocolException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The emperor's end of the socket, for tests: a JDK Unix-domain server that accepts agents,
 * decodes what they send with the real decoder, and lets the test answer. Everything a test
 * waits for has a deadline; nothing sleeps.
 */
public final class FakeEmperor implements AutoCloseable {

    public static final Duration PATIENCE = Duration.ofSeconds(15);

    private final Path socket;
    private final ServerSocketChannel server;
    private final BlockingQueue<Peer> accepted = new LinkedBlockingQueue<>();
    private final List<Peer> peers = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private FakeEmperor(Path socket) throws IOException {
        this.socket = socket;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = new Thread(this::acceptLoop, "fake-emperor-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static FakeEmperor listen(Path socket) throws IOException {
        Files.deleteIfExists(socket);
        return new FakeEmperor(socket);
    }

    public Path socket() {
        return socket;
    }

    private void acceptLoop() {
        try {
            while (true) {
                Peer p = new Peer(server.accept());
                peers.add(p);
                accepted.add(p);
            }
        } catch (IOException closed) {
            // server closed: done
        }
    }

    /** The next connection, waiting up to {@code timeout}. */
    public Peer accept(Duration timeout) throws InterruptedException {
        Peer p = accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (p == null) throw new AssertionError("no agent connected to " + socket + " within " + timeout);
        return p;
    }

    public Peer accept() throws InterruptedException {
        return accept(PATIENCE);
    }

    /** A connection that already arrived, or null: for asserting that nobody else connected. */
    public Peer pollAccepted() {
        return accepted.poll();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Peer p : peers) p.close();
        Files.deleteIfExists(socket);
    }

    /** One agent's connection; a reader thread decodes its lines into a queue. */
    public static final class Peer implements AutoCloseable {
        private static final Message CLOSED = new Message.Goodbye("<connection closed>");
        private final SocketChannel channel;
        private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private volatile boolean ended;

        Peer(SocketChannel channel) {
            this.channel = channel;
            Thread reader = new Thread(this::readLoop, "fake-emperor-peer");
            reader.setDaemon(true);
            reader.start();
        }

        private void readLoop() {
            LineDecoder decoder = LineDecoder.fromWorker();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            try {
                while (channel.read(buf.clear()) >= 0) {
                    decoder.decode(buf.flip(), received::add);
                }
            } catch (ProtocolException e) {
                received.add(e);
            } catch (IOException closedHere) {
                // we closed it
            }
            ended = true;
            received.add(CLOSED);
        }

        /** The next message; fails on timeout, on a protocol error, or if the agent hung up. */
        public Message next(Duration timeout) throws InterruptedException {
            Object o = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (o == null) throw new AssertionError("no message within " + timeout);
            if (o instanceof ProtocolException) throw new AssertionError("the agent broke the protocol", (ProtocolException) o);
            if (o == CLOSED) throw new AssertionError("the agent closed the connection");
            return (Message) o;
        }

        public Message next() throws InterruptedException {
            return next(PATIENCE);
        }

        /** Skips other messages until one of {@code type} arrives. */
        public <T extends Message> T await(Class<T> type, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new AssertionError("no " + type.getSimpleName() + " within " + timeout);
                Message m = next(Duration.ofNanos(left));
                if (type.isInstance(m)) return type.cast(m);
            }
        }

        public <T extends Message> T await(Class<T> type) throws InterruptedException {
            return await(type, PATIENCE);
        }

        /** Waits for the agent's end of the connection to close; returns the messages before it. */
        public List<Object> awaitEnd(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            java.util.ArrayList<Object> before = new java.util.ArrayList<>();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new AssertionError("connection still open after " + timeout);
                Object o = received.poll(left, TimeUnit.NANOSECONDS);
                if (o == CLOSED) return before;
                if (o != null) before.add(o);
            }
        }

        public void send(Message m) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(Frames.encode(m));
            while (b.hasRemaining()) channel.write(b);
        }

        public boolean ended() {
            return ended;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
