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
