package dev.emperor.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emperor.agent.protocol.Message;
import dev.emperor.agent.testing.Children;
import dev.emperor.agent.testing.FakeEmperor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar agent-bridge.jar run-program CMD...} with the packaged jar. */
class RunProgramIT {

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
        Map<String, String> env = new HashMap<>();
        env.put("EMPEROR_SOCKET", emperor.socket().toString());
        env.put("EMPEROR_VASSAL", "app");
        env.put("EMPEROR_WORKER", "1");
        env.put("EMPEROR_TOKEN", "secret");
        return env;
    }

    /** run-program java -cp TEST_CLASSES TestApp ARGS */
    private Process runProgram(Map<String, String> env, String... appArgs) throws Exception {
        List<String> command = new ArrayList<>(List.of(Children.java(), "-jar", Children.agentJar().toString(), "run-program",
                Children.java(), "-cp", Children.testClasses(), TestApp.class.getName()));
        command.addAll(List.of(appArgs));
        return children.start(env, command);
    }

    @Test
    void theAppReportsAndTermReachesItExecLike() throws Exception {
        Process wrapper = runProgram(workerEnv(), "serve");
        try {
            FakeEmperor.Peer peer = emperor.accept();
            Message.Hello hello = (Message.Hello) peer.next();
            ProcessHandle app = ProcessHandle.of(hello.pid()).orElseThrow();
            assertThat(app.parent().map(ProcessHandle::pid)).as("the app is the wrapper's child").contains(wrapper.pid());
            peer.send(new Message.Welcome(200));
            peer.await(Message.Ready.class);
            peer.await(Message.Heartbeat.class);
            assertThat(emperor.pollAccepted()).as("the wrapper JVM itself does not report").isNull();

            wrapper.destroy(); // SIGTERM to the wrapper: passed on to the app, which exits 143
            assertThat(wrapper.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(wrapper.exitValue()).isEqualTo(143);
            assertThat(app.isAlive()).isFalse();
            assertThat(peer.awaitEnd(FakeEmperor.PATIENCE)).last().isEqualTo(new Message.Goodbye("shutdown"));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + children.output(), e);
        }
    }

    @Test
    void exitsWithTheCommandsExitCodeAlsoOutsideAnEmperor() throws Exception {
        Process wrapper = runProgram(Map.of(), "exit", "7");
        assertThat(wrapper.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(wrapper.exitValue()).isEqualTo(7);
        assertThat(children.output(wrapper)).contains("agent-threads=0").contains("Picked up JAVA_TOOL_OPTIONS: -javaagent:")
                .doesNotContain("emperor-agent:");
    }

    @Test
    void withTheAgentAlreadyInJavaToolOptionsOnlyTheAppReports() throws Exception {
        Map<String, String> env = workerEnv();
        String preset = "-Dsomething=1 -javaagent:" + Children.agentJar().toAbsolutePath();
        env.put("JAVA_TOOL_OPTIONS", preset); // agent = true, and run-program as well
        Process wrapper = runProgram(env, "serve");
        try {
            FakeEmperor.Peer peer = emperor.accept();
            long pid = ((Message.Hello) peer.next()).pid();
            assertThat(pid).as("the app, not the wrapper").isNotEqualTo(wrapper.pid());
            assertThat(ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)).contains(wrapper.pid());
            peer.send(new Message.Welcome(200));
            peer.await(Message.Heartbeat.class);
            peer.await(Message.Heartbeat.class);
            assertThat(emperor.pollAccepted()).isNull();
            // The option was not added twice.
            assertThat(children.output(wrapper)).contains("Picked up JAVA_TOOL_OPTIONS: " + preset + "\n");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + children.output(), e);
        }
    }

    @Test
    void behindALauncherEveryJvmSaysHelloWithItsOwnPid() throws Exception {
        // The seed's trap: JAVA_TOOL_OPTIONS reaches the launcher JVM and the app JVM alike.
        Process wrapper = runProgram(workerEnv(), "launch", "serve");
        try {
            List<FakeEmperor.Peer> peers = List.of(emperor.accept(), emperor.accept());
            Map<Long, FakeEmperor.Peer> byPid = new HashMap<>();
            for (FakeEmperor.Peer p : peers) byPid.put(((Message.Hello) p.next()).pid(), p);
            ProcessHandle launcher = wrapper.toHandle().children().findFirst().orElseThrow();
            ProcessHandle app = launcher.children().findFirst().orElseThrow();
            assertThat(byPid.keySet()).containsExactlyInAnyOrder(launcher.pid(), app.pid());

            // The emperor keeps its worker's JVM and refuses the other.
            byPid.get(launcher.pid()).send(new Message.Error("pid " + launcher.pid() + " is not the worker"));
            assertThat(byPid.get(launcher.pid()).awaitEnd(FakeEmperor.PATIENCE)).isEmpty();
            FakeEmperor.Peer worker = byPid.get(app.pid());
            worker.send(new Message.Welcome(200));
            worker.await(Message.Ready.class);
            worker.await(Message.Heartbeat.class);
            org.awaitility.Awaitility.await().atMost(FakeEmperor.PATIENCE)
                    .until(() -> children.output(wrapper).contains("refused this process (pid " + launcher.pid() + " is not the worker)"));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + children.output(), e);
        }
    }

    @Test
    void aCommandThatCannotRunExits127AndNoArgumentsIsAUsageError() throws Exception {
        Process missing = children.start(Map.of(), List.of(Children.java(), "-jar", Children.agentJar().toString(), "run-program",
                dir.resolve("no-such-program").toString()));
        assertThat(missing.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(missing.exitValue()).isEqualTo(127);
        assertThat(children.output(missing)).contains("agent-bridge: cannot run");

        Process usage = children.start(Map.of(), List.of(Children.java(), "-jar", Children.agentJar().toString()));
        assertThat(usage.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(usage.exitValue()).isEqualTo(2);
        assertThat(children.output(usage)).contains("usage: java -jar agent-bridge.jar run-program");
    }
}
