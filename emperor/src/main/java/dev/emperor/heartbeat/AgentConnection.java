package dev.emperor.heartbeat;

import dev.emperor.agent.protocol.Frames;
import dev.emperor.agent.protocol.LineDecoder;
import dev.emperor.agent.protocol.Message;
import dev.emperor.agent.protocol.ProtocolException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One peer of the agent socket: its decoder, what is waiting to be sent to it, and who it
 * turned out to be. Until the loop accepts it, it may send at most
 * {@link AgentServer#HELLO_MAX_BYTES} (the read itself is cut there, so the decoder never holds
 * more); once accepted, its {@code event} messages go through a token bucket. Used by the
 * server's selector thread only.
 */
final class AgentConnection {
    /** Replies are a welcome or an error: a peer that lets this much pile up does not read. */
    private static final int MAX_PENDING_OUTPUT = 64 << 10;
    private final AgentServer server;
    final long id;
    final SocketChannel channel;
    final long peerPid;
    final long peerUid;
    /** Whether its uid was trusted when it took its slot: it is released the same way. */
    final boolean trusted;
    final long openedMs = System.nanoTime() / 1_000_000;
    final LineDecoder decoder = LineDecoder.fromWorker();
    final ArrayDeque<ByteBuffer> output = new ArrayDeque<>(2);
    final Consumer<Message> sink = this::onMessage;
    final TokenBucket events = new TokenBucket(AgentServer.EVENTS_PER_SECOND, AgentServer.EVENT_BURST,
            System.nanoTime());
    SelectionKey key;
    AgentServer.WorkerRef worker;
    /** The worker slot it was accepted for (kept after a failure clears {@link #worker}), for the slot counts. */
    AgentServer.WorkerRef acceptedAs;
    boolean accepted;
    boolean helloSent;
    boolean closing;
    boolean closed;
    long closingMs;
    long windowStartMs = openedMs;
    int framesInWindow;
    /** Messages that came right behind the hello, before the loop accepted it; null when none. */
    private List<Message> early;
    /** Bytes read before it was accepted: at most {@link AgentServer#HELLO_MAX_BYTES} (plus one, to notice). */
    int bytesBeforeAccept;

    AgentConnection(AgentServer server, long id, SocketChannel channel, long peerPid, long peerUid, boolean trusted) {
        this.server = server;
        this.id = id;
        this.channel = channel;
        this.peerPid = peerPid;
        this.peerUid = peerUid;
        this.trusted = trusted;
    }

    void read(ByteBuffer buf, ByteBuffer heap) {
        buf.clear();
        if (!accepted) buf.limit(Math.min(buf.capacity(), AgentServer.HELLO_MAX_BYTES + 1 - bytesBeforeAccept));
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
        if (!accepted) {
            bytesBeforeAccept += n;
            if (bytesBeforeAccept > AgentServer.HELLO_MAX_BYTES) {
                fail("more than " + AgentServer.HELLO_MAX_BYTES + " bytes before the hello was accepted");
                return;
            }
        }
        buf.flip();
        heap.clear();
        heap.put(buf);
        heap.flip();
        int before = decoder.buffered();
        try {
            decoder.decode(heap, sink);
        } catch (ProtocolException e) {
            fail(e.getMessage());
        }
        int held = decoder.buffered();
        if (!server.partialLine(held - before, held) && !closing) {
            fail("holds a " + held + "-byte incomplete line while the agent socket's budget for them ("
                    + (AgentServer.PARTIAL_LINE_BUDGET >> 20) + " MiB) is spent");
        }
    }

    private void onMessage(Message m) {
        if (closing) return;
        long now = System.nanoTime() / 1_000_000;
        if (now - windowStartMs >= 1_000) {
            windowStartMs = now;
            framesInWindow = 0;
        }
        if (++framesInWindow > AgentServer.MAX_FRAMES_PER_SECOND) {
            fail("more than " + AgentServer.MAX_FRAMES_PER_SECOND + " messages a second");
            return;
        }
        if (m instanceof Message.Hello hello) {
            helloSent = true;
            interest(0); // not another byte until the loop has decided who this is
            server.emit(new AgentServer.HelloFrom(id, hello, peerPid, peerUid));
            return;
        }
        if (worker == null) {
            if (helloSent && !accepted) { // pipelined after the hello: kept until the loop decides
                if (early == null) early = new ArrayList<>(4);
                early.add(m); // bounded: all of it came within HELLO_MAX_BYTES
                return;
            }
            fail("say hello first");
            return;
        }
        if (m instanceof Message.Event && !events.tryTake(System.nanoTime())) {
            server.droppedEvents.incrementAndGet();
            AgentServer.WorkerRef w = worker;
            server.refusals.log(Level.WARNING, "events " + w.vassal() + "/" + w.worker(), () -> "vassal " + w.vassal()
                    + ": worker " + w.worker() + " sends more than " + AgentServer.EVENTS_PER_SECOND
                    + " event messages a second; the rest are dropped");
            return;
        }
        server.emit(new AgentServer.MessageFrom(id, worker, peerPid, m));
        if (m instanceof Message.Goodbye) close("goodbye");
    }

    /** The loop accepted the hello: what came right behind it is handled now, in order. */
    void replayEarly() {
        List<Message> pending = early;
        early = null;
        if (pending != null) pending.forEach(this::onMessage);
    }

    void interest(int ops) {
        if (key.isValid()) key.interestOps(ops | (output.isEmpty() ? 0 : SelectionKey.OP_WRITE));
    }

    void send(byte[] frame) {
        int pending = 0;
        for (ByteBuffer b : output) pending += b.remaining();
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
        if (closing || closed) return;
        closing = true;
        closingMs = System.nanoTime() / 1_000_000;
        AgentServer.WorkerRef w = worker;
        server.refusals.log(Level.WARNING, "refused uid " + peerUid, () -> "agent connection from pid " + peerPid
                + " (uid " + peerUid + ")" + (w != null ? " (vassal " + w.vassal() + " worker " + w.worker() + ")"
                : "") + " refused: " + why);
        if (w != null) server.emit(new AgentServer.Closed(id, w, peerPid, why));
        worker = null;
        if (key.isValid()) key.interestOps(0); // read nothing more from it
        output.add(ByteBuffer.wrap(Frames.encode(new Message.Error(why))));
        flush();
    }

    void close(String why) {
        if (closed) return;
        closed = true;
        if (key != null) key.cancel();
        AgentServer.closeQuietly(channel);
        server.forget(id);
        server.slots.closed(peerUid, accepted, trusted);
        server.partialLine(-decoder.buffered(), 0);
        if (acceptedAs != null) server.acceptedClosed(acceptedAs, peerUid);
        if (worker != null && why != null) server.emit(new AgentServer.Closed(id, worker, peerPid, why));
        worker = null;
    }
}
