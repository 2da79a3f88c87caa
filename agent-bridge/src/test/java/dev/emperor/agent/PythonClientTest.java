package dev.emperor.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.emperor.agent.protocol.Message;
import dev.emperor.agent.protocol.Severity;
import dev.emperor.agent.testing.FakeEmperor;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** examples/python-agent against a fake emperor: the protocol spoken from another language. */
class PythonClientTest {

    private static final Path EXAMPLE = Path.of(System.getProperty("basedir", "."), "..", "examples", "python-agent")
            .toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();
    private FakeEmperor emperor;

    @BeforeAll
    static void needsPython() {
        boolean found;
        try {
            found = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            found = false;
        }
        assumeTrue(found, "python3 not installed");
        assertThat(EXAMPLE.resolve("emperor_agent.py")).exists();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (emperor != null) emperor.close();
    }

    private Process python(Map<String, String> extraEnv, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("python3", "-u"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(EXAMPLE.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("python.log").toFile());
        pb.environment().put("EMPEROR_SOCKET", emperor.socket().toString());
        pb.environment().put("EMPEROR_VASSAL", "py");
        pb.environment().put("EMPEROR_WORKER", "3");
        pb.environment().put("EMPEROR_TOKEN", "tok");
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private String log() throws IOException {
        Path f = dir.resolve("python.log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    @Test
    void theClientSaysHelloBeatsAndReconnects() throws Exception {
        emperor = FakeEmperor.listen(dir.resolve("e.sock"));
        Process p = python(Map.of(), "-c", String.join("\n",
                "import time, emperor_agent as a",
                "a.start()",
                "a.progress(5)",
                "a.counter('jobs', 2)",
                "a.gauge('answer', lambda: 42)",
                "a.ready()",
                "a.event('warning', 'disk 91% full')",
                "time.sleep(600)"));
        try {
            FakeEmperor.Peer peer = emperor.accept();
            Message.Hello hello = (Message.Hello) peer.next();
            assertThat(hello.pid()).isEqualTo(p.pid());
            assertThat(hello).extracting(Message.Hello::vassal, Message.Hello::worker, Message.Hello::token)
                    .containsExactly("py", 3, "tok");
            assertThat(hello.runtime()).startsWith("python 3");
            peer.send(new Message.Welcome(200));

            assertThat(peer.await(Message.Ready.class)).isNotNull();
            Message.Heartbeat first = peer.await(Message.Heartbeat.class);
            Message.Heartbeat second = peer.await(Message.Heartbeat.class);
            assertThat(second.seq()).isGreaterThan(first.seq());
            assertThat(second.progress()).hasValue(5);
            assertThat(second.gcPauseMs()).isPresent();
            assertThat(second.telemetry()).containsKeys("process.memory.usage", "process.memory.virtual",
                    "process.cpu.time", "process.thread.count", "process.open_file_descriptor.count", "process.uptime",
                    "cpython.thread.count", "cpython.gc.collections{cpython.garbage_collector.generation=0}",
                    "cpython.gc.collected_objects{cpython.garbage_collector.generation=2}")
                    .containsEntry("app.jobs", 2L).containsEntry("app.answer", 42L);
            assertThat(second.telemetry().get("process.memory.usage").longValue()).isPositive();
            var described = (dev.emperor.agent.protocol.TelemetryMap) second.telemetry();
            assertThat(described.metric("process.memory.usage").unit()).isEqualTo("By");
            assertThat(described.metric("process.cpu.time").unit()).isEqualTo("s");
            assertThat(described.metric("process.cpu.time").kind()).isEqualTo(dev.emperor.agent.protocol.Metric.Kind.COUNTER);
            assertThat(described.metric("app.jobs").kind()).isEqualTo(dev.emperor.agent.protocol.Metric.Kind.COUNTER);
            assertThat(described.metric("app.answer").kind()).isEqualTo(dev.emperor.agent.protocol.Metric.Kind.GAUGE);

            peer.close();
            FakeEmperor.Peer again = emperor.accept();
            assertThat(again.next()).isInstanceOf(Message.Hello.class);
            again.send(new Message.Welcome(200));
            assertThat(again.await(Message.Ready.class)).as("ready again on the new connection").isNotNull();
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\npython output:\n" + log(), e);
        }
    }

    @Test
    void theExampleAppCountsRequestsAsProgress() throws Exception {
        emperor = FakeEmperor.listen(dir.resolve("e.sock"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process p = python(Map.of("PORT", Integer.toString(port)), "app.py");
        try {
            FakeEmperor.Peer peer = emperor.accept();
            assertThat(((Message.Hello) peer.next()).pid()).isEqualTo(p.pid());
            peer.send(new Message.Welcome(200));
            // In the app's order: the event, then ready.
            assertThat(peer.await(Message.Event.class)).isEqualTo(new Message.Event(Severity.INFO, "listening on 127.0.0.1:" + port));
            peer.await(Message.Ready.class);

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.body()).contains("hello from py worker 3");
            }
            long deadline = System.nanoTime() + FakeEmperor.PATIENCE.toNanos();
            Message.Heartbeat beat;
            do {
                beat = peer.await(Message.Heartbeat.class);
            } while (beat.progress().orElse(0) < 3 && System.nanoTime() < deadline);
            assertThat(beat.progress()).hasValue(3);
            assertThat(beat.telemetry()).containsEntry("app.requests", 3L).containsKey("app.requests.in_flight");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\npython output:\n" + log(), e);
        }
    }
}
