package dev.emperor.stats;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.emperor.daemon.EmperorSnapshot;
import dev.emperor.logging.InternalErrors;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * HTTP on {@code --stats HOST:PORT}: {@code /stats} (JSON), {@code /metrics} (Prometheus
 * text) and {@code /} (a small dashboard). Each request asks the event loop for a fresh
 * snapshot, so what it shows is consistent and the loop's state is never shared.
 *
 * <p>Every local user can read it (and whoever reaches HOST:PORT), so it renders the public
 * document ({@link PublicStats}): no thread dumps, no text from inside an app. The control
 * socket's {@code status} renders the private one.
 */
public final class StatsServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.stats");
    private static final ObjectWriter JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writer()
            .without(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<CompletableFuture<EmperorSnapshot>> snapshots;
    private final MetricRegistry metrics;
    private final InternalErrors errors;
    private final MetricsExposition exposition = new MetricsExposition();

    public StatsServer(InetSocketAddress address, Supplier<CompletableFuture<EmperorSnapshot>> snapshots,
                       MetricRegistry metrics) throws IOException {
        this(address, snapshots, metrics, new InternalErrors());
    }

    public StatsServer(InetSocketAddress address, Supplier<CompletableFuture<EmperorSnapshot>> snapshots,
                       MetricRegistry metrics, InternalErrors errors) throws IOException {
        this.errors = errors;
        this.snapshots = snapshots;
        this.metrics = metrics;
        boundClients();
        this.server = HttpServer.create(address, 64);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::serve);
    }

    /**
     * Every local user may connect, so what one can hold is bounded: at most 64 open
     * connections (more are closed at accept), 5 s to send a request, 30 s to take the answer,
     * 10 s idle. Unbounded (the JDK's default), 7,000 half-sent requests from one user ran the
     * emperor out of heap. The JDK reads these once, when its server first loads, so they are
     * set before the first {@link HttpServer#create}; an operator's own -D settings win.
     */
    private static void boundClients() {
        System.getProperties().putIfAbsent("sun.net.httpserver.maxConnections", "64");
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", "5");
        System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", "30");
        System.getProperties().putIfAbsent("sun.net.httpserver.idleInterval", "10");
    }

    public void start() {
        server.start();
        LOG.log(Level.INFO, "stats on http://" + hostPort() + "/ (/stats JSON, /metrics Prometheus)");
    }

    public String hostPort() {
        InetSocketAddress a = server.getAddress();
        return a.getHostString() + ":" + a.getPort();
    }

    private void serve(HttpExchange exchange) {
        try (exchange) {
            answer(exchange);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "stats client went away: " + e.getMessage());
        } catch (Throwable t) { // an Error included: counted and logged, never a silent dead thread
            errors.report("the stats server", t);
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
            send(exchange, 405, "text/plain", "only GET\n");
            return;
        }
        EmperorSnapshot snapshot;
        try {
            snapshot = snapshots.get().get(5, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            send(exchange, 503, "text/plain", "the emperor's event loop did not answer within 5 s\n");
            return;
        } catch (Exception e) {
            send(exchange, 503, "text/plain", "the emperor is shutting down\n");
            return;
        }
        switch (path) {
            case "/stats", "/stats/" -> sendJson(exchange, snapshot);
            case "/metrics" -> sendMetrics(exchange, snapshot);
            case "/" -> send(exchange, 200, "text/html; charset=utf-8", Dashboard.html(snapshot));
            default -> send(exchange, 404, "text/plain", "not found; try /stats, /metrics or /\n");
        }
    }

    /**
     * /metrics through the Prometheus client's writers: OpenMetrics when the Accept header asks
     * for it, else text 0.0.4. Streamed (chunked) like /stats: its size grows with the workers.
     */
    private void sendMetrics(HttpExchange exchange, EmperorSnapshot snapshot) throws IOException {
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        var writer = exposition.writer(accept);
        var families = exposition.snapshots(snapshot, metrics);
        exchange.getResponseHeaders().set("Content-Type", writer.getContentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = new java.io.BufferedOutputStream(exchange.getResponseBody(), 16 << 10)) {
            writer.write(out, families);
        }
    }

    /** Streams /stats (chunked): no copy of a document that grows with the number of vassals. */
    private void sendJson(HttpExchange exchange, EmperorSnapshot snapshot) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = new java.io.BufferedOutputStream(exchange.getResponseBody(), 16 << 10)) {
            JSON.writeValue(out, PublicStats.redact(StatsDocument.json(snapshot, metrics)));
            out.write('\n');
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
