package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Heartbeats and telemetry end to end: the real agent in real JVMs, and hostile peers. */
class AgentTest extends EmperorTestBase {

    private static final Duration SOON = Duration.ofSeconds(60);

    final List<SocketChannel> clients = new ArrayList<>();

    @AfterEach
    void closeClients() throws IOException {
        for (SocketChannel c : clients) c.close();
    }






    /** The JDK running the tests (>= 21): its java runs single-file sources. */
    private static String java() {
        return EmperorProcess.javaBinary().toString();
    }

    private static JsonNode awaitReporting(EmperorProcess emperor, String vassal) {
        JsonNode[] worker = new JsonNode[1];
        await("heartbeats from " + vassal).atMost(SOON).pollInterval(Duration.ofMillis(100)).until(() -> {
            worker[0] = emperor.vassal(vassal).map(v -> v.path("workers").path(0)).orElse(null);
            // The very first beat of a fresh JVM may report an empty heap: wait for a real one.
            return worker[0] != null && worker[0].path("heartbeat_age_ms").isNumber()
                    && worker[0].path("heap_bytes").asLong() > 0;
        });
        return worker[0];
    }

    @Test
    void theJavaExampleReportsHeartbeatsAndTelemetry() throws Exception {
        Path example = Path.of(System.getProperty("emperor.root")).resolve("examples/hello-java").toAbsolutePath();
        writeVassal("hello.ini", "[vassal]\nchdir = " + example + "\ncommand = " + java() + " Hello.java " + marker
                + "\nenv = PORT=0\nagent = true\nheartbeat = 1\n");
        EmperorProcess emperor = emperor();

        JsonNode worker = awaitReporting(emperor, "hello");

        assertThat(worker.path("agent_pid").asLong()).isEqualTo(worker.path("pid").asLong());
        assertThat(worker.path("heap_bytes").asLong()).isPositive();
        assertThat(worker.path("telemetry").path("jvm.thread.count{jvm.thread.daemon=false}").asLong()).isPositive();
        assertThat(worker.path("health").asText()).isEqualTo("ok");
        assertThat(emperor.get("/metrics")).contains("emperor_worker_heartbeat_age_seconds{vassal=\"hello\",worker=\"1\"}")
                .contains("jvm_memory_used_bytes{jvm_memory_pool_name=");
    }

    @Test
    void thePythonExampleReportsHeartbeatsAndProgress() throws Exception {
        Path example = Path.of(System.getProperty("emperor.root")).resolve("examples/python-agent").toAbsolutePath();
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        writeVassal("py.ini", "[vassal]\nchdir = " + example + "\ncommand = python3 -u app.py " + marker
                + "\nenv = PORT=" + port + "\nheartbeat = 1\n");
        EmperorProcess emperor = emperor();
        JsonNode[] worker = new JsonNode[1];
        await().atMost(SOON).until(() -> {
            worker[0] = emperor.vassal("py").map(v -> v.path("workers").path(0)).orElse(null);
            return worker[0] != null && worker[0].path("heartbeat_age_ms").isNumber();
        });

        for (int i = 0; i < 3; i++) {
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create("http://127.0.0.1:" + port
                    + "/").toURL().openConnection();
            assertThat(c.getResponseCode()).isEqualTo(200);
            c.getInputStream().readAllBytes();
        }

        await().atMost(SOON).until(() -> emperor.vassal("py").orElseThrow().path("workers").path(0).path("telemetry")
                .size() > 0);
        JsonNode w = emperor.vassal("py").orElseThrow().path("workers").path(0);
        assertThat(w.path("agent_pid").asLong()).isEqualTo(w.path("pid").asLong());
        assertThat(w.path("health").asText()).isIn("ok", "idle");
    }

    @Test
    void anUnchangedThirdPartyJvmProgramReportsThroughAgentTrue() throws Exception {
        Path jwebserver = EmperorProcess.javaBinary().resolveSibling("jwebserver");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(jwebserver), "needs the JDK's jwebserver");
        writeVassal("web.ini", "[vassal]\ncommand = " + jwebserver + " -b 127.0.0.1 -p 0 -d " + tmp
                + "\nagent = true\nheartbeat = 1\n");
        EmperorProcess emperor = emperor();

        JsonNode worker = awaitReporting(emperor, "web");

        assertThat(worker.path("telemetry").path("jvm.class.count").asLong()).isPositive();
    }

    @Test
    void aStoppedWorkerIsReplacedAfterRequiredHeartbeat() throws Exception {
        writeVassal("frozen.ini", "[vassal]\ncommand = " + java() + " " + app("Deadlock.java") + " " + marker
                + "\nagent = true\nheartbeat = 1\n");
        EmperorProcess emperor = emperor("--required-heartbeat", "3");
        long pid = awaitReporting(emperor, "frozen").path("pid").asLong();

        new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();

        await().atMost(SOON).until(() -> emperor.pids("frozen").stream().anyMatch(p -> p != pid));
        JsonNode worker = emperor.vassal("frozen").orElseThrow().path("workers").path(0);
        assertThat(worker.path("last_restart").path("reason").asText()).contains("hung: no heartbeat for")
                .contains("stopped");
        assertThat(Processes.alive(pid)).isFalse();
    }

    @Test
    void aDeadlockedWorkerIsRestartedWithItsThreadDumpKept() throws Exception {
        writeVassal("stuck.ini", "[vassal]\ncommand = " + java() + " " + app("Deadlock.java") + " " + marker
                + "\nagent = true\nheartbeat = 1\nrestart-on-deadlock = true\n");
        EmperorProcess emperor = emperor();
        long pid = awaitReporting(emperor, "stuck").path("pid").asLong();

        await().atMost(SOON).until(() -> emperor.pids("stuck").stream().anyMatch(p -> p != pid));

        JsonNode restart = emperor.vassal("stuck").orElseThrow().path("workers").path(0).path("last_restart");
        assertThat(restart.path("reason").asText()).contains("deadlocked");
        // The dump is an app's insides: every local user may read /stats, so it points to the control socket
        // (HostileLocalUserTest reads it there).
        assertThat(restart.path("evidence").asText()).contains("emperor status").doesNotContain("deadlock-one");
    }

    @Test
    void aWorkerThatNeverReportsIsDiagnosedNotKilled() throws Exception {
        writeVassal("quiet.ini", "[vassal]\ncommand = sleep " + marker + "\nheartbeat = 1\nheartbeat-grace = 1\n");
        EmperorProcess emperor = emperor("--required-heartbeat", "2");

        JsonNode quiet = emperor.awaitState("quiet", "running");
        await().atMost(SOON).until(() -> emperor.vassal("quiet").orElseThrow().path("workers").path(0)
                .path("health").asText().equals("silent"));

        JsonNode worker = emperor.vassal("quiet").orElseThrow().path("workers").path(0);
        assertThat(worker.path("diagnosis").asText()).contains("no agent is running in the worker")
                .contains("agent = true");
        assertThat(worker.path("pid").asLong()).isEqualTo(quiet.path("workers").path(0).path("pid").asLong());
    }

    @Test
    void wrongTokensAndHostilePeersAreRefusedWhileOthersKeepReporting() throws Exception {
        writeVassal("good.ini", "[vassal]\ncommand = " + java() + " " + app("Deadlock.java") + " " + marker
                + "\nagent = true\nheartbeat = 1\n");
        EmperorProcess emperor = emperor();
        awaitReporting(emperor, "good");
        Path socket = emperor.runDir().resolve("agent.sock");

        String wrongToken = exchange(socket, "{\"v\":1,\"type\":\"hello\",\"vassal\":\"good\",\"worker\":1,"
                + "\"token\":\"0000\",\"pid\":" + ProcessHandle.current().pid() + "}\n");
        String garbage = exchange(socket, "\u0000\u0001binary garbage {{{{\n");
        String oversized = exchange(socket, "{\"v\":1,\"type\":\"hello\",\"vassal\":\"" + "x".repeat(70_000) + "\"}\n");
        for (int i = 0; i < 300; i++) { // connections that never say anything
            SocketChannel idle = SocketChannel.open(StandardProtocolFamily.UNIX);
            idle.connect(UnixDomainSocketAddress.of(socket));
            clients.add(idle);
        }

        assertThat(wrongToken).contains("\"type\":\"error\"").contains("wrong token");
        assertThat(garbage).contains("\"type\":\"error\"");
        // Past the 64 KiB line limit it answers an error and hangs up, possibly before the
        // sender has finished writing: then the sender sees a reset.
        assertThat(oversized).containsAnyOf("\"type\":\"error\"", "[connection reset]");
        // The honest worker is not disturbed: its heartbeats keep arriving.
        long seen = System.nanoTime();
        await().atMost(SOON).until(() -> {
            JsonNode w = emperor.vassal("good").orElseThrow().path("workers").path(0);
            return w.path("heartbeat_age_ms").asLong(Long.MAX_VALUE) < 2_500
                    && System.nanoTime() - seen > Duration.ofSeconds(3).toNanos();
        });
        assertThat(emperor.vassal("good").orElseThrow().path("restarts").asInt()).isZero();
        assertThat(emperor.log()).contains("refused a hello");
    }

    /** Sends {@code line} on a fresh connection and returns everything the emperor answers. */
    private static String exchange(Path socket, String line) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
            try {
                while (out.hasRemaining()) ch.write(out);
            } catch (IOException e) {
                // the emperor hung up mid-line: read what it said before
            }
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(4096);
            try {
                while (ch.read(in.clear()) > 0) got.write(in.array(), 0, in.position());
            } catch (IOException e) {
                got.writeBytes(" [connection reset]".getBytes(StandardCharsets.UTF_8));
            }
            return got.toString(StandardCharsets.UTF_8);
        }
    }
}
