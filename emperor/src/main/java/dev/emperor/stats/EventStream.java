package dev.emperor.stats;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;

/**
 * {@code GET /events}: server-sent events for the dashboard, an {@code stats} event (the
 * public /stats document on one line) every {@link #PERIOD_MS} and a {@code history} event
 * whenever a new sample was taken. At most {@link #MAX_STREAMS} streams at once (a further
 * one gets 503 and the page polls /stats instead); each lives {@link #LIFETIME_MS}, below the
 * HTTP server's 30 s answer deadline, and the browser reconnects by itself after
 * {@code retry}. Each stream is its request's virtual thread.
 */
final class EventStream {

    static final int MAX_STREAMS = 8;
    static final long PERIOD_MS = 2_000;
    static final long LIFETIME_MS = 24_000;

    /** What one event carries; throws when the emperor did not answer (the stream then ends). */
    interface Source {
        String statsLine() throws Exception;

        /** The history on one line, or null if no sample was taken since {@code afterSample}. */
        String historyLine(long afterSample);

        long samples();
    }

    private final Semaphore streams = new Semaphore(MAX_STREAMS);
    private final Source source;

    EventStream(Source source) {
        this.source = source;
    }

    void serve(HttpExchange exchange) throws IOException {
        if (!streams.tryAcquire()) {
            StatsServer.send(exchange, 503, "text/plain; charset=utf-8", MAX_STREAMS
                    + " live dashboards are open already; poll /stats instead\n");
            return;
        }
        try {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            StatsServer.securityHeaders(exchange);
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                stream(out);
            }
        } finally {
            streams.release();
        }
    }

    private void stream(OutputStream out) throws IOException {
        write(out, "retry: 1000\n\n");
        long end = System.nanoTime() + LIFETIME_MS * 1_000_000;
        long seen = -1;
        while (System.nanoTime() < end) {
            String stats;
            try {
                stats = source.statsLine();
            } catch (Exception e) {
                return; // shutting down or stuck: the page shows it as disconnected and retries
            }
            write(out, "event: stats\ndata: " + stats + "\n\n");
            String history = source.historyLine(seen);
            if (history != null) {
                seen = source.samples();
                write(out, "event: history\ndata: " + history + "\n\n");
            }
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void write(OutputStream out, String event) throws IOException {
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    int inUse() {
        return MAX_STREAMS - streams.availablePermits();
    }
}
