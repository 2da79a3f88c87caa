package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 fault 5: the emperor's stderr goes to a pipe whose reader has stalled (a stuck
 * journald, a suspended terminal). Its log must not stop the event loop: vassals still start,
 * /stats still answers, and SIGTERM still stops it. (That lines beyond the log's queue are
 * dropped and then counted is AsyncLogHandlerTest's: it takes 8,192 lines to get there.)
 */
class StalledLogReaderTest extends EmperorTestBase {

    private static final int VASSALS = 200;
    private Process emperor;

    @AfterEach
    void killEmperor() throws Exception {
        if (emperor != null && emperor.isAlive()) emperor.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    @Test
    void aStalledReaderOfStderrDoesNotStopTheEmperor() throws Exception {
        // Long names make long log lines: the 64 KiB pipe fills long before the last vassal starts.
        String longName = "a-vassal-with-a-long-name-" + "x".repeat(180);
        for (int i = 0; i < VASSALS; i++) {
            writeVassal(longName + i + ".ini", "[vassal]\ncommand = sleep " + marker + "\n");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        emperor = new ProcessBuilder(EmperorProcess.javaBinary().toString(), "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-jar", EmperorProcess.jar().toString(), "run", "--run-dir", runDir.toString(),
                "--stats", "127.0.0.1:" + port, "-v", vassals.toString())
                .redirectErrorStream(true).start(); // stdout+stderr: a pipe this test does not read (yet)

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        JsonNode[] stats = new JsonNode[1];
        await("every vassal running, /stats answering").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/stats")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) return false;
                    stats[0] = new ObjectMapper().readTree(r.body());
                    List<JsonNode> running = stats[0].path("vassals").findParents("state").stream()
                            .filter(v -> v.path("state").asText().equals("running") && v.has("workers")).toList();
                    return running.size() == VASSALS;
                });

        // SIGTERM with the pipe still full (Process.destroy would close the pipe's read end).
        new ProcessBuilder("kill", "-TERM", Long.toString(emperor.pid())).start().waitFor();
        InputStream out = emperor.getInputStream();
        // The reader wakes up: the emperor can write again, and it exits.
        byte[] all = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(60, TimeUnit.SECONDS);
        assertThat(emperor.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
        String text = new String(all, StandardCharsets.UTF_8);
        assertThat(all.length).as("bytes logged: more than the pipe holds").isGreaterThan(64 << 10);
        assertThat(text).contains("all vassals stopped; bye");
    }
}
