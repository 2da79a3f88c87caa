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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * HTTP on {@code --stats HOST:PORT}: {@code /stats} (JSON), {@code /metrics} (Prometheus
 * text), {@code /} (the live dashboard, with {@code /events}, {@code /history} and, when
 * actions are on, {@code /actions} and {@code /private/vassal}). Each request asks the event
 * loop for a fresh snapshot, so what it shows is consistent and the loop's state is never
 * shared. A sampler thread takes one snapshot every {@link #SAMPLE_MS} for the {@link History}.
 *
 * <p>Every local user can read it (and whoever reaches HOST:PORT), so it renders the public
 * document ({@link PublicStats}): no thread dumps, no text from inside an app. The control
 * socket's {@code status} renders the private one.
 */
public final class StatsServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.stats");
    private static final ObjectWriter JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writer()
            .without(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    private static final ObjectMapper COMPACT = new ObjectMapper();
    /** Ten minutes of history: 120 samples, one every 5 s. */
    static final int HISTORY_SAMPLES = 120;
    static final long SAMPLE_MS = 5_000;

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<CompletableFuture<EmperorSnapshot>> snapshots;
    private final MetricRegistry metrics;
    private final InternalErrors errors;
    private final MetricsExposition exposition = new MetricsExposition();
    private final Dashboard dashboard = new Dashboard();
    private final History history = new History(HISTORY_SAMPLES, SAMPLE_MS);
    private final AtomicLong samples = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicReference<Rendered> historyText =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final EventStream events;
    /** Present when the operator turned the dashboard's actions on. */
    private final Optional<DashboardActions> actions;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("emperor-stats-history").daemon(true).factory());

    public StatsServer(InetSocketAddress address, Supplier<CompletableFuture<EmperorSnapshot>> snapshots,
                       MetricRegistry metrics) throws IOException {
        this(address, snapshots, metrics, new InternalErrors());
    }

    public StatsServer(InetSocketAddress address, Supplier<CompletableFuture<EmperorSnapshot>> snapshots,
                       MetricRegistry metrics, InternalErrors errors) throws IOException {
        this(address, snapshots, metrics, errors, Optional.empty());
    }

    /**
     * With {@code control} present (the setting {@code stats-actions = true}), the dashboard
     * offers reload / restart / stop / start and the private view of a vassal to the emperor's
     * user and root, passing each as a request line to {@code control}: the control socket's
     * own handler, so both go through the same code.
     */
    public StatsServer(InetSocketAddress address, Supplier<CompletableFuture<EmperorSnapshot>> snapshots,
                       MetricRegistry metrics, InternalErrors errors, Optional<Function<String, String>> control)
            throws IOException {
        this.actions = control.map(DashboardActions::new);
        this.events = new EventStream(new EventStream.Source() {
            @Override
            public String statsLine() throws Exception {
                EmperorSnapshot s = snapshots.get().get(5, TimeUnit.SECONDS);
                return COMPACT.writeValueAsString(PublicStats.redact(StatsDocument.json(s, metrics)));
            }

            @Override
            public String historyLine(long afterSample) {
                return samples.get() == afterSample ? null : historyText();
            }

            @Override
            public long samples() {
                return samples.get();
            }
        });
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
        sampler.scheduleWithFixedDelay(this::sample, SAMPLE_MS, SAMPLE_MS, TimeUnit.MILLISECONDS);
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

    /** One history sample; worker memory is read from /proc here, on the sampler's thread, not on the loop. */
    private void sample() {
        try {
            EmperorSnapshot s = snapshots.get().get(5, TimeUnit.SECONDS);
            history.record(History.samples(s, dev.emperor.daemon.ProcUsage::residentBytes), System.currentTimeMillis());
            samples.incrementAndGet();
        } catch (TimeoutException e) {
            LOG.log(Level.DEBUG, "history: the event loop did not answer within 5 s; sample skipped");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
            LOG.log(Level.DEBUG, "history: no snapshot (the emperor is stopping); sample skipped");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) { // a dead sampler would freeze the charts silently
            if (!sampler.isShutdown()) errors.report("the stats history sampler", t);
        }
    }

    /** The history as JSON, rendered once per sample however many dashboards read it (2 MB with 1,000 vassals). */
    private String historyText() {
        long n = samples.get();
        Rendered last = historyText.get();
        if (last != null && last.samples() == n) return last.text();
        try {
            String text = COMPACT.writeValueAsString(history.json(COMPACT));
            historyText.set(new Rendered(n, text));
            return text;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private record Rendered(long samples, String text) {
    }

    /** The dashboard's own paths (no snapshot needed); false for the others, and for a read that is not a GET. */
    private boolean dashboard(HttpExchange exchange, String path) throws IOException {
        boolean read = exchange.getRequestMethod().equals("GET") || exchange.getRequestMethod().equals("HEAD");
        if (!read && !path.equals("/actions") && !path.equals("/private/vassal")) return false;
        switch (path) {
            case "/events" -> {
                if (exchange.getRequestMethod().equals("HEAD")) send(exchange, 200, "text/event-stream", "");
                else events.serve(exchange);
            }
            case "/history" -> send(exchange, 200, "application/json", historyText() + "\n");
            case "/actions", "/private/vassal" -> {
                if (actions.isEmpty()) {
                    send(exchange, 403, "text/plain; charset=utf-8", "the dashboard's actions are off;"
                            + " set stats-actions = true in the emperor's settings to turn them on\n");
                } else if (path.equals("/actions")) {
                    actions.get().act(exchange);
                } else {
                    actions.get().privateVassal(exchange);
                }
            }
            case "/", "/index.html" -> {
                String token = actions.map(a -> a.issueToken(System.currentTimeMillis())).orElse(null);
                send(exchange, 200, "text/html; charset=utf-8", dashboard.html(token));
            }
            default -> {
                Dashboard.Asset asset = dashboard.asset(path);
                if (asset == null) return false;
                send(exchange, 200, asset.type(), asset.bytes());
            }
        }
        return true;
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (dashboard(exchange, path)) return;
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
        securityHeaders(exchange);
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

    static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        send(exchange, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Every answer carries the dashboard's policy: a page here may run only its own script, and not be framed. */
    static void securityHeaders(HttpExchange exchange) {
        exchange.getResponseHeaders().set("Content-Security-Policy", Dashboard.CONTENT_SECURITY_POLICY);
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
    }

    static void send(HttpExchange exchange, int status, String type, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        securityHeaders(exchange);
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
        sampler.shutdownNow();
        server.stop(0);
        executor.shutdownNow();
    }
}
