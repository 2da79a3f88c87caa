package dev.emperor.logging;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * The emperor's log handler: a caller formats its line and puts it on a bounded queue, and one
 * writer thread writes the queue to stderr. A caller never waits for stderr: when the reader
 * is slow or stalled (a full pipe to journald, a suspended terminal), lines beyond the queue's
 * bound are dropped and counted, and the first line written afterwards says
 * {@code dropped N log lines}. The event loop, the agent socket and the control socket all
 * log, and none of them may block on it.
 */
final class AsyncLogHandler extends Handler {

    /** Lines waiting for the writer; with {@link #MAX_QUEUED_CHARS}, what bounds the memory. */
    static final int MAX_QUEUED_LINES = 8_192;
    static final int MAX_QUEUED_CHARS = 4 << 20;
    /** A longer line (a stack trace of a deep recursion) is cut: the queue's bound is in chars. */
    static final int MAX_LINE_CHARS = 64 << 10;

    private final OutputStream out;
    private final ArrayBlockingQueue<String> queue = new ArrayBlockingQueue<>(MAX_QUEUED_LINES);
    private final AtomicLong queuedChars = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedTotal = new AtomicLong();
    private final Thread writer;
    /** Lines accepted and not yet written (or given up on): what {@link #drain} waits for. */
    private final AtomicLong unwritten = new AtomicLong();
    private volatile boolean closed;

    AsyncLogHandler(OutputStream out) {
        this.out = out;
        this.writer = Thread.ofPlatform().name("emperor-log-writer").daemon(true).unstarted(this::writeLoop);
        writer.start();
    }

    @Override
    public void publish(LogRecord record) {
        if (closed || !isLoggable(record)) return;
        String line;
        try {
            line = getFormatter().format(record);
        } catch (RuntimeException e) {
            line = "log line could not be formatted: " + e + "\n";
        }
        if (line.length() > MAX_LINE_CHARS) {
            line = line.substring(0, MAX_LINE_CHARS) + "... (cut at " + MAX_LINE_CHARS + " characters)\n";
        }
        offer(line);
    }

    private void offer(String line) {
        long chars = queuedChars.addAndGet(line.length());
        unwritten.incrementAndGet();
        if (chars > MAX_QUEUED_CHARS || !queue.offer(line)) {
            unwritten.decrementAndGet();
            queuedChars.addAndGet(-line.length());
            dropped.incrementAndGet();
            droppedTotal.incrementAndGet();
        }
    }

    /** Lines dropped since start because stderr could not keep up. */
    long droppedLines() {
        return droppedTotal.get();
    }

    private void writeLoop() {
        List<String> lines = new ArrayList<>(64);
        ByteArrayOutputStream chunk = new ByteArrayOutputStream(8 << 10);
        while (true) {
            try {
                String first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed) return;
                    continue;
                }
                lines.add(first);
                queue.drainTo(lines, 255);
                chunk.reset();
                long lost = dropped.getAndSet(0);
                if (lost > 0) chunk.writeBytes(droppedLine(lost));
                for (String l : lines) chunk.writeBytes(l.getBytes(StandardCharsets.UTF_8));
                out.write(chunk.toByteArray());
                out.flush();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException | Error e) {
                // stderr is gone (closed pipe), or no memory for this chunk: nothing can be told;
                // keep draining so that callers never wait and later lines still get out
            } finally {
                long chars = 0;
                for (String l : lines) chars += l.length();
                queuedChars.addAndGet(-chars);
                unwritten.addAndGet(-lines.size());
                lines.clear();
            }
        }
    }

    private byte[] droppedLine(long n) {
        String text = "dropped " + n + " log line" + (n == 1 ? "" : "s") + ": stderr could not keep up (a slow or"
                + " stalled reader of the emperor's output)";
        // Through the formatter, so that under journald it carries a priority like every other line.
        java.util.logging.Formatter f = getFormatter();
        LogFormat format = f instanceof LogFormat lf ? lf : new LogFormat(false);
        return format.format(new java.util.logging.LogRecord(java.util.logging.Level.WARNING, text))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Waits until every queued line is written, at most {@code millis}; true if it was. */
    boolean drain(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (unwritten.get() > 0) {
            if (System.nanoTime() - deadline > 0) return false;
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public void flush() {
        drain(1_000);
    }

    /** Writes what is queued (at most 2 s: a stalled reader must not hold up the exit), then stops. */
    @Override
    public void close() {
        drain(2_000);
        closed = true;
    }
}
