package dev.emperor.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emperor.agent.protocol.Message;
import dev.emperor.agent.testing.Children;
import dev.emperor.agent.testing.FakeEmperor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged -javaagent jar in a real child JVM against a fake emperor. */
class AgentIT {

    @TempDir
    Path dir;

    private Children children;
    private FakeEmperor emperor;

    @BeforeEach
    void setUp() throws Exception {
        children = new Children(dir);
        emperor = FakeEmperor.listen(dir.resolve("emperor.sock"));
    }

    @AfterEach
    void tearDown() throws Exception {
        children.close();
        emperor.close();
    }

    private Map<String, String> workerEnv() {
        return Map.of("EMPEROR_SOCKET", emperor.socket().toString(), "EMPEROR_VASSAL", "app", "EMPEROR_WORKER", "1",
                "EMPEROR_TOKEN", "secret");
    }

    private Process app(Map<String, String> env, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Children.java(), "-javaagent:" + Children.agentJar(),
                "-cp", Children.testClasses(), TestApp.class.getName()));
        command.addAll(List.of(args));
        return children.start(env, command);
    }

    @Test
    void reportsFromTheAppJvmAndReconnects() throws Exception {
        Process app = app(workerEnv(), "serve");
        try {
            FakeEmperor.Peer peer = emperor.accept();
            Message.Hello hello = (Message.Hello) peer.next();
            assertThat(hello.pid()).isEqualTo(app.pid());
            assertThat(hello.vassal()).isEqualTo("app");
            assertThat(hello.token()).isEqualTo("secret");
            assertThat(hello.runtime()).isEqualTo("java " + System.getProperty("java.version"));
            assertThat(hello.agent()).isNotBlank().isNotEqualTo("dev"); // from the jar's manifest
            peer.send(new Message.Welcome(200));

            peer.await(Message.Ready.class);
            Message.Heartbeat first = peer.await(Message.Heartbeat.class);
            long start = System.nanoTime();
            Message.Heartbeat later = first;
            for (int i = 0; i < 3; i++) later = peer.await(Message.Heartbeat.class);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(ms).as("3 beats at the welcomed 200 ms").isBetween(400L, 2_000L);
            assertThat(later.seq()).isEqualTo(first.seq() + 3);
            assertThat(later.progress()).hasValue(3);
            assertThat(later.gcPauseMs()).isPresent();
            assertThat(later.telemetry()).containsKeys("jvm.thread.count{jvm.thread.daemon=false}", "jvm.cpu.time",
                    "process.uptime", "jvm.class.loaded", "agent.cpu.time")
                    .containsEntry("jvm.thread.deadlocked", 0L).containsEntry("app.served", 3L);
            assertThat(later.telemetry().keySet()).anyMatch(k -> k.startsWith("jvm.memory.used{"))
                    .anyMatch(k -> k.startsWith("jvm.gc.count{jvm.gc.name="));
            assertThat(children.output(app)).contains("agent-threads=1 daemon=true");

            peer.close(); // the emperor drops the connection: the agent comes back
            FakeEmperor.Peer again = emperor.accept();
            assertThat(((Message.Hello) again.next()).pid()).isEqualTo(app.pid());
            again.send(new Message.Welcome(200));
            again.await(Message.Ready.class);
            assertThat(again.await(Message.Heartbeat.class).seq()).isEqualTo(1);
            // One line per state change on stderr, not one per attempt.
            assertThat(children.output(app)).containsOnlyOnce("emperor-agent: lost the emperor");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + children.output(), e);
        }
    }

    @Test
    void reportsDeadlockedThreads() throws Exception {
        Process app = app(workerEnv(), "deadlock");
        try {
            FakeEmperor.Peer peer = emperor.accept();
            assertThat(((Message.Hello) peer.next()).pid()).isEqualTo(app.pid());
            peer.send(new Message.Welcome(200));
            long deadline = System.nanoTime() + FakeEmperor.PATIENCE.toNanos();
            long deadlocked = 0;
            while (deadlocked == 0 && System.nanoTime() < deadline) {
                deadlocked = peer.await(Message.Heartbeat.class).telemetry().get("jvm.thread.deadlocked").longValue();
            }
            assertThat(deadlocked).isEqualTo(2);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + children.output(), e);
        }
    }

    @Test
    void saysGoodbyeWhenTheJvmExits() throws Exception {
        Process app = app(workerEnv(), "serve");
        FakeEmperor.Peer peer = emperor.accept();
        peer.next();
        peer.send(new Message.Welcome(200));
        peer.await(Message.Ready.class);
        app.destroy(); // SIGTERM: the JVM runs its shutdown hooks
        assertThat(app.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(peer.awaitEnd(FakeEmperor.PATIENCE)).last().isEqualTo(new Message.Goodbye("shutdown"));
    }

    @Test
    void staysIdleOutsideAnEmperor() throws Exception {
        Process app = app(Map.of(), "exit", "0");
        assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).isZero();
        assertThat(children.output(app)).contains("agent-threads=0").doesNotContain("emperor-agent:");
    }

    @Test
    void anAbsentEmperorNeverHoldsTheAppUp() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(workerEnv());
        env.put("EMPEROR_SOCKET", dir.resolve("nobody-listens.sock").toString());
        Process app = app(env, "exit", "3");
        assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).isEqualTo(3);
        assertThat(children.output(app)).contains("agent-threads=1");
    }

    @Test
    void costsWellUnderAMillisecondOfCpuPerHeartbeat() throws Exception {
        Process app = app(workerEnv(), "serve");
        FakeEmperor.Peer peer = emperor.accept();
        assertThat(((Message.Hello) peer.next()).pid()).isEqualTo(app.pid());
        peer.send(new Message.Welcome(20));
        for (int i = 0; i < 50; i++) peer.await(Message.Heartbeat.class); // warm-up: class loading, JIT
        Message.Heartbeat from = peer.await(Message.Heartbeat.class);
        Message.Heartbeat to = from;
        for (int i = 0; i < 100; i++) to = peer.await(Message.Heartbeat.class);
        // agent.cpu.time is the agent thread's own CPU time (s): everything it did between the beats.
        double perBeatUs = (to.telemetry().get("agent.cpu.time").doubleValue() - from.telemetry().get("agent.cpu.time").doubleValue()) * 1e9
                / 1e3 / (to.seq() - from.seq());
        System.out.printf("agent CPU per heartbeat (agent thread, after warm-up): %.1f us%n", perBeatUs);
        assertThat(perBeatUs).isLessThan(1_000);
    }
}
