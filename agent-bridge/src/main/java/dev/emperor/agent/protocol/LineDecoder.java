package dev.emperor.agent.protocol;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Decodes a connection's byte stream into messages, whatever the chunking: feed it each read's
 * bytes and it hands out every complete line's message, keeping at most one partial line
 * (bounded by {@link Frames#MAX_LINE_BYTES}; the buffer starts small and shrinks back after a
 * long line). One decoder per connection; not thread-safe.
 *
 * <p>Once it has thrown a {@link ProtocolException} the decoder is failed: every later call
 * throws the same exception. The caller sends {@code Frames.encode(new Message.Error(e.getMessage()))}
 * and closes the connection.
 *
 * <pre>{@code
 * LineDecoder decoder = LineDecoder.fromWorker();
 * ...
 * buffer.flip();
 * decoder.decode(buffer, message -> handle(connection, message));   // consumes all of buffer
 * buffer.clear();
 * }</pre>
 */
public final class LineDecoder {

    private static final int INITIAL_BUFFER = 1024;

    private enum Role { FROM_WORKER, FROM_EMPEROR, UNCHECKED }

    private final Role role;
    /**
     * One reader per thread, not per decoder: it keeps no state from one line to the next but
     * its key cache, which then stays hot in the CPU cache for a server thread decoding a
     * thousand connections (a per-connection cache is cold at every line).
     */
    private static final ThreadLocal<MessageReader> READERS = ThreadLocal.withInitial(MessageReader::new);
    private byte[] partial = new byte[INITIAL_BUFFER];
    private int partialLength;
    private ProtocolException failure;
    private long lines;

    // Connection rules for what a worker sends.
    private boolean helloSeen;
    private boolean goodbyeSeen;
    private long lastSeq = -1;

    private LineDecoder(Role role) {
        this.role = role;
    }

    /**
     * The emperor's decoder for what a worker sends. Besides the line rules it enforces the
     * connection rules: {@code hello} first and only once; heartbeat {@code seq} strictly
     * increasing; nothing after {@code goodbye}; never {@code welcome} or {@code error}.
     */
    public static LineDecoder fromWorker() {
        return new LineDecoder(Role.FROM_WORKER);
    }

    /** The worker's decoder for what the emperor sends: only {@code welcome} and {@code error}. */
    public static LineDecoder fromEmperor() {
        return new LineDecoder(Role.FROM_EMPEROR);
    }

    /** Any message in any order: for tools and tests. */
    public static LineDecoder unchecked() {
        return new LineDecoder(Role.UNCHECKED);
    }

    /**
     * Decodes every complete line in {@code in} (from its position to its limit, which is
     * where its position ends up) and passes each message to {@code out}, in order. Bytes
     * of an incomplete last line are kept for the next call. Messages decoded before a bad
     * line have been passed on when the exception is thrown.
     *
     * @throws ProtocolException at the first bad line, or when a partial line already
     *         exceeds the length limit (without waiting for its end); nothing else comes from
     *         the input (exceptions thrown by {@code out} pass through, the line counted as read)
     */
    public void decode(ByteBuffer in, Consumer<? super Message> out) throws ProtocolException {
        if (failure != null) throw failure;
        MessageReader reader = READERS.get();
        try {
            while (in.hasRemaining()) {
                int start = in.position();
                int limit = in.limit();
                int newline = indexOfNewline(in, start, limit);
                if (newline < 0) {
                    append(in, start, limit);
                    in.position(limit);
                    return;
                }
                Message message;
                if (partialLength == 0 && in.hasArray()) {
                    // The whole line is in the caller's array: decode it in place, no copy.
                    int length = newline - start;
                    checkLength(length);
                    message = checked(reader.read(in.array(), in.arrayOffset() + start, length));
                } else {
                    append(in, start, newline);
                    message = checked(reader.read(partial, 0, partialLength));
                    partialLength = 0;
                    if (partial.length > 4 * INITIAL_BUFFER) partial = new byte[INITIAL_BUFFER];
                }
                lines++;
                in.position(newline + 1);
                out.accept(message);
            }
        } catch (ProtocolException e) {
            failure = e;
            partial = null; // a failed decoder keeps no memory
            throw e;
        }
    }

    /** Convenience for {@code decode(ByteBuffer.wrap(bytes, offset, length), out)}. */
    public void decode(byte[] bytes, int offset, int length, Consumer<? super Message> out) throws ProtocolException {
        decode(ByteBuffer.wrap(bytes, offset, length), out);
    }

    /** Bytes of an incomplete line held for the next call. */
    public int buffered() {
        return failure == null ? partialLength : 0;
    }

    /** Complete lines decoded so far. */
    public long lines() {
        return lines;
    }

    /** True once a protocol error was found; every later {@code decode} throws it again. */
    public boolean failed() {
        return failure != null;
    }

    private static int indexOfNewline(ByteBuffer in, int from, int to) {
        if (in.hasArray()) {
            byte[] a = in.array();
            int off = in.arrayOffset();
            for (int i = from + off, end = to + off; i < end; i++) {
                if (a[i] == '\n') return i - off;
            }
            return -1;
        }
        for (int i = from; i < to; i++) {
            if (in.get(i) == '\n') return i;
        }
        return -1;
    }

    private void append(ByteBuffer in, int from, int to) throws ProtocolException {
        int n = to - from;
        checkLength(partialLength + n);
        if (partialLength + n > partial.length) {
            partial = Arrays.copyOf(partial, Math.min(Frames.MAX_LINE_BYTES, Math.max(partial.length * 2, partialLength + n)));
        }
        in.get(from, partial, partialLength, n);
        partialLength += n;
    }

    /** {@code length} bytes of line content (the newline not counted). */
    private static void checkLength(int length) throws ProtocolException {
        if (length >= Frames.MAX_LINE_BYTES) throw new ProtocolException("line longer than " + Frames.MAX_LINE_BYTES + " bytes");
    }

    private Message checked(Message m) throws ProtocolException {
        switch (role) {
            case FROM_WORKER:
                if (m instanceof Message.Welcome || m instanceof Message.Error) {
                    throw new ProtocolException("a worker cannot send " + m.type());
                }
                if (goodbyeSeen) throw new ProtocolException(m.type() + " after goodbye");
                if (m instanceof Message.Hello) {
                    if (helloSeen) throw new ProtocolException("hello sent twice");
                    helloSeen = true;
                } else if (!helloSeen) {
                    throw new ProtocolException("the first message must be hello, not " + m.type());
                } else if (m instanceof Message.Heartbeat) {
                    long seq = ((Message.Heartbeat) m).seq();
                    if (seq <= lastSeq) throw new ProtocolException("heartbeat seq " + seq + " is not greater than the previous " + lastSeq);
                    lastSeq = seq;
                } else if (m instanceof Message.Goodbye) {
                    goodbyeSeen = true;
                }
                return m;
            case FROM_EMPEROR:
                if (!(m instanceof Message.Welcome || m instanceof Message.Error)) {
                    throw new ProtocolException("the emperor cannot send " + m.type());
                }
                return m;
            default:
                return m;
        }
    }
}
