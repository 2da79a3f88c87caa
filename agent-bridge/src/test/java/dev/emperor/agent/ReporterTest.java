package dev.emperor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emperor.agent.protocol.Message;
import dev.emperor.agent.protocol.Severity;
import dev.emperor.agent.testing.FakeEmperor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent thread in this JVM against a fake emperor, with short backoffs. */
class ReporterTest {

    @TempDir
    Path dir;

    private final AppState state = new AppState();
    private Reporter reporter;
    private Thread thread;
    private FakeEmperor emperor;

    private void startAgent(Path socket) {
        WorkerEnvironment env = new WorkerEnvironment("web", 2, Optional.of(socket.toString()), Optional.of("s3cr3t"));
        reporter = new Reporter(env, state, 50, 400);
        thread = new Thread(reporter, "emperor-agent-test");
        thread.setDaemon(true);
        thread.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (reporter != null) reporter.stopAndWait();
        if (thread != null) {
            thread.interrupt();
            thread.join(5_000);
            assertThat(thread.isAlive()).as("agent thread ended").isFalse();
        }
        if (emperor != null) emperor.close();
    }

    @Test
    void saysHelloThenBeatsAtTheWelcomedInterval() throws Exception {
        emperor = FakeEmperor.listen(dir.resolve("e.sock"));
        startAgent(emperor.socket());
        FakeEmperor.Peer peer = emperor.accept();

        Message.Hello hello = (Message.Hello) peer.next();
        assertThat(hello.vassal()).isEqualTo("web");
        assertThat(hello.worker()).isEqualTo(2);
        assertThat(hello.token()).isEqualTo("s3cr3t");
        assertThat(hello.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(hello.runtime()).startsWith("java ");
        assertThat(hello.agent()).isNotBlank();

        peer.send(new Message.Welcome(100));
        long start = System.nanoTime();
        Message.Heartbeat first = peer.await(Message.Heartbeat.class);
        Message.Heartbeat second = peer.await(Message.Heartbeat.class);
        Message.Heartbeat third = peer.await(Message.Heartbeat.class);
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(first.seq()).isEqualTo(1);
        assertThat(second.seq()).isEqualTo(2);
        assertThat(third.seq()).isEqualTo(3);
        assertThat(elapsedMs).as("3 beats at 100 ms, the first at once").isBetween(150L, 5_000L);
        assertThat(first.gcPauseMs()).isPresent();
        assertThat(first.progress()).as("no progress until the app reports some").isEmpty();
        assertThat(first.telemetry()).containsKeys("jvm.thread.count{jvm.thread.daemon=true}", "jvm.thread.deadlocked",
                "jvm.cpu.time", "process.uptime", "jvm.class.loaded", "agent.cpu.time");
        assertThat(first.telemetry().keySet()).anyMatch(k -> k.startsWith("jvm.memory.used{"))
                .anyMatch(k -> k.startsWith("jvm.gc.count{")).anyMatch(k -> k.startsWith("jvm.gc.duration{"));
        assertThat(first.telemetry().get("jvm.thread.deadlocked")).isEqualTo(0L);
        var t = (dev.emperor.agent.protocol.TelemetryMap) first.telemetry();
        assertThat(t.metric("jvm.cpu.time").unit()).isEqualTo("s");
        assertThat(t.metric("jvm.cpu.time").kind()).isEqualTo(dev.emperor.agent.protocol.Metric.Kind.COUNTER);
        assertThat(t.metrics()).filteredOn(m -> m.name().equals("jvm.memory.used"))
                .allMatch(m -> m.unit().equals("By") && m.kind() == dev.emperor.agent.protocol.Metric.Kind.GAUGE
                        && m.attributes().keySet().equals(java.util.Set.of("jvm.memory.type", "jvm.memory.pool.name")));
    }

    @Test
    void deliversWhatTheAppSaysAndItsMetrics() throws Exception {
        emperor = FakeEmperor.listen(dir.resolve("e.sock"));
        startAgent(emperor.socket());
        FakeEmperor.Peer peer = emperor.accept();
        peer.next();
        peer.send(new Message.Welcome(60_000)); // only the immediate first beat
        peer.await(Message.Heartbeat.class);

        state.event(Severity.INFO, "listening");
        state.ready();
        state.ready(); // said once per connection
        state.event(Severity.WARNING, "disk 91% full");
        state.requestReload("new certificate");
        assertThat(peer.next()).isEqualTo(new Message.Event(Severity.INFO, "listening"));
        assertThat(peer.next()).isEqualTo(new Message.Ready());
        assertThat(peer.next()).isEqualTo(new Message.Event(Severity.WARNING, "disk 91% full"));
        assertThat(peer.next()).isEqualTo(new Message.Reload("new certificate"));
    }

    @Test
    void reportsProgressAndAppMetrics() throws Exception {
        emperor = FakeEmperor.listen(dir.resolve("e.sock"));
        state.progress.add(41);
        state.progressReported = true;
        state.counter("requests").inc(7);
        state.timer("db").recordNanos(3_500_000);
        state.gauge("queue", () -> 12);
        startAgent(emperor.socket());
        FakeEmperor.Peer peer = emperor.accept();
        peer.next();
        peer.send(new Message.Welcome(100));

        Message.Heartbeat beat = peer.await(Message.Heartbeat.class);
        assertThat(beat.progress()).hasValue(41);
        assertThat(beat.telemetry()).containsEntry("app.requests", 7L).containsEntry("app.queue", 12L)
                .containsEntry("app.db.count", 1L).containsEntry("app.db.total_ms", 3.5).containsEntry("app.db.max_ms", 3.5);
        assertThat(peer.await(Message.Heartbeat.class).telemetry()).as("max is per beat").containsEntry("app.db.max_ms", 0.0);
    }

    @Test
    void reconnectsWhenTheEmperorHangsUpAndResendsReady() throws Exception {
        emperor = FakeEmperor.listen(dir.resolve("e.sock"));
        state.ready();
        startAgent(emperor.socket());
        FakeEmperor.Peer first = emperor.accept();
        first.next();
        first.send(new Message.Welcome(100));
        assertThat(first.await(Message.Ready.class)).isNotNull();
        first.close();

        FakeEmperor.Peer second = emperor.accept();
        assertThat(second.next()).isInstanceOf(Message.Hello.class);
        second.send(new Message.Welcome(100));
        assertThat(second.await(Message.Ready.class)).isNotNull();
        assertThat(second.await(Message.Heartbeat.class).seq()).as("seq starts again per connection").isEqualTo(1);
    }

    @Test
    void waitsForAnEmperorThatIsNotThereYetAndForOneThatRestarts() throws Exception {
        Path socket = dir.resolve("later.sock");
        startAgent(socket); // nobody listens: the agent retries with backoff
        emperor = FakeEmperor.listen(socket);
        FakeEmperor.Peer peer = emperor.accept();
        peer.next();
        peer.send(new Message.Welcome(100));
        peer.await(Message.Heartbeat.class);

        emperor.close(); // the emperor goes away entirely, socket file and all
        emperor = FakeEmperor.listen(socket);
        FakeEmperor.Peer again = emperor.accept();
        assertThat(again.next()).isInstanceOf(Message.Hello.class);
    }

    @Test
    void anErrorReplyEndsTheConnectionAndTheAgentBacksOff() throws Exception {
        emperor = FakeEmperor.listen(dir.resolve("e.sock"));
        startAgent(emperor.socket());
        FakeEmperor.Peer peer = emperor.accept();
        peer.next();
        peer.send(new Message.Error("bad token"));
        assertThat(peer.awaitEnd(FakeEmperor.PATIENCE)).isEmpty();
        // Retries after the maximum backoff (400 ms here), not at once.
        long start = System.nanoTime();
        emperor.accept();
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(300);
    }

    @Test
    void withoutHeartbeatsItStillDeliversAndSaysGoodbyeOnStop() throws Exception {
        emperor = FakeEmperor.listen(dir.resolve("e.sock"));
        startAgent(emperor.socket());
        FakeEmperor.Peer peer = emperor.accept();
        peer.next();
        peer.send(new Message.Welcome(0));
        state.ready();
        assertThat(peer.next()).as("no heartbeat before it").isEqualTo(new Message.Ready());

        reporter.stopAndWait();
        assertThat(peer.next(Duration.ofSeconds(5))).isEqualTo(new Message.Goodbye("shutdown"));
        assertThat(peer.awaitEnd(FakeEmperor.PATIENCE)).isEmpty();
    }
}
