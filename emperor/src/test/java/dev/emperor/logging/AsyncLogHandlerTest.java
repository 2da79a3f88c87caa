package dev.emperor.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class AsyncLogHandlerTest {

    /** stderr whose reader has stopped reading: every write blocks until {@link #release}. */
    private static final class StalledStream extends OutputStream {
        final CountDownLatch released = new CountDownLatch(1);
        final ByteArrayOutputStream written = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                released.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (this) {
                written.write(b, off, len);
            }
        }

        void release() {
            released.countDown();
        }

        synchronized String text() {
            return written.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void aStalledReaderNeverBlocksTheCallerAndTheLossIsReported() throws Exception {
        StalledStream stderr = new StalledStream();
        AsyncLogHandler handler = handler(stderr);
        int total = AsyncLogHandler.MAX_QUEUED_LINES * 2;

        Thread caller = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < total; i++) handler.publish(new LogRecord(Level.INFO, "line " + i));
        });
        // Every call returns while the reader is still stalled: the caller (the event loop) goes on.
        assertThat(caller.join(java.time.Duration.ofSeconds(10))).isTrue();
        assertThat(stderr.released.getCount()).isEqualTo(1);
        assertThat(handler.droppedLines()).isGreaterThanOrEqualTo(total - AsyncLogHandler.MAX_QUEUED_LINES - 256L);

        stderr.release();
        // Once the queue has room again, new lines get through (published while it is still full, they would
        // be dropped too: that is the point).
        assertThat(handler.drain(10_000)).isTrue();
        handler.publish(new LogRecord(Level.WARNING, "after the stall"));
        assertThat(handler.drain(10_000)).isTrue();
        String out = stderr.text();
        assertThat(out).contains("line 0\n").contains("after the stall")
                .containsPattern("WARN  dropped [0-9]+ log lines: stderr could not keep up");
        handler.close();
    }

    @Test
    void aMessageFromAnAgentStaysOneLineAndAStackTraceCannotPassForALogLine() throws Exception {
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        AsyncLogHandler handler = handler(stderr);
        handler.publish(new LogRecord(Level.INFO, "vassal web: worker 1 says: ok\n2026-12-02T10:00:00.000Z ERROR forged"));
        LogRecord withTrace = new LogRecord(Level.SEVERE, "internal error");
        withTrace.setThrown(new IllegalStateException("bad\n2026-12-02T10:00:00.000Z INFO  forged too"));
        handler.publish(withTrace);
        assertThat(handler.drain(10_000)).isTrue();
        String[] lines = stderr.toString(StandardCharsets.UTF_8).split("\n");

        assertThat(lines[0]).endsWith("worker 1 says: ok\\n2026-12-02T10:00:00.000Z ERROR forged");
        assertThat(lines).filteredOn(l -> l.startsWith("2026-12-02T10:00:00.000Z")).isEmpty();
        assertThat(lines).filteredOn(l -> !l.startsWith("    ")).hasSize(2); // the two records' own lines
        handler.close();
    }

    @Test
    void closeWritesWhatIsQueued() throws Exception {
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        AsyncLogHandler handler = handler(stderr);
        for (int i = 0; i < 1000; i++) handler.publish(new LogRecord(Level.INFO, "bye " + i));
        handler.close();
        assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("bye 999");
    }

    private static AsyncLogHandler handler(OutputStream out) {
        AsyncLogHandler h = new AsyncLogHandler(out);
        h.setFormatter(new LogFormat(false));
        return h;
    }

}
