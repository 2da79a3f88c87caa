package dev.emperor.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import dev.emperor.daemon.EmperorSnapshot;
import dev.emperor.logging.InternalErrors;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class StatsServerTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void halfSentRequestsFromALocalUserAreBoundedAndCut() throws Exception {
        StatsServer server = new StatsServer(new InetSocketAddress("127.0.0.1", 0),
                () -> CompletableFuture.completedFuture(new EmperorSnapshot(1, "test", 0, 1, List.of("/d"), List.of(),
                        List.of(), 0, 0L, 0L)), new MetricRegistry(), new InternalErrors());
        server.start();
        List<java.net.Socket> held = new java.util.ArrayList<>();
        try {
            String[] hp = server.hostPort().split(":");
            for (int i = 0; i < 300; i++) {
                java.net.Socket s = new java.net.Socket(hp[0], Integer.parseInt(hp[1]));
                s.getOutputStream().write("GET /stats HTTP/1.1\r\nHost: x\r\n".getBytes()); // never finished
                s.setSoTimeout(20_000);
                held.add(s);
            }
            // Every one of them is closed by the server: past 64 at once, the rest within the request deadline.
            for (java.net.Socket s : held) assertThat(closedByServer(s)).isTrue();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + server.hostPort() + "/stats"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        } finally {
            for (java.net.Socket s : held) s.close();
            server.close();
        }
    }

    /** True when the server ended the connection (end of stream or a reset); a timeout fails the test. */
    private static boolean closedByServer(java.net.Socket s) throws java.io.IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (java.net.SocketTimeoutException e) {
            throw e;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    @Test
    void anErrorWhileAnsweringIsCountedAndTheNextRequestIsServed() throws Exception {
        InternalErrors errors = new InternalErrors();
        AtomicBoolean fail = new AtomicBoolean(true);
        StatsServer server = new StatsServer(new InetSocketAddress("127.0.0.1", 0), () -> {
            if (fail.getAndSet(false)) throw new OutOfMemoryError("test: no heap for this snapshot");
            return CompletableFuture.completedFuture(new EmperorSnapshot(1, "test", 0, 1, List.of("/d"), List.of(), List.of(), 0, 0L, 0L));
        }, new MetricRegistry(), errors);
        server.start();
        try {
            URI stats = URI.create("http://" + server.hostPort() + "/stats");
            try {
                http.send(HttpRequest.newBuilder(stats).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
                // the exchange was closed without an answer: that is all the client can see
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (errors.count() == 0 && System.nanoTime() < deadline) Thread.sleep(5); // counted as the exchange closes
            assertThat(errors.count()).isEqualTo(1);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(stats).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"vassals\"");
        } finally {
            server.close();
        }
    }
}
