package dev.emperor.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emperor.vassal.VassalAlert;
import dev.emperor.vassal.VassalState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hooks run as real processes: their environment, the filter, the timeout and the bound. */
class HookRunnerTest {

    @TempDir
    Path dir;

    /** Waits for {@code condition} until {@code limit} has passed; fails then. */
    static void until(Duration limit, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + limit);
            Thread.onSpinWait();
            Thread.sleep(20); // polling a condition with a deadline, not waiting for a process
        }
    }

    static VassalAlert alert(VassalAlert.Kind kind, long pid) {
        return new VassalAlert(kind, "web", "worker 1 exited with code 3", VassalState.BACKOFF,
                Path.of("/srv/vassals/web.ini"), 2, pid);
    }

    static Map<String, String> emperorEnv() {
        return Map.of("PATH", "/usr/bin:/bin", "NOTIFY_SOCKET", "/run/systemd/notify", "WATCHDOG_USEC", "1000",
                "LISTEN_FDS", "1", "INVOCATION_ID", "abc", "KEEP", "me", "EMPEROR_TOKEN", "secret");
    }

    @Test
    void aMatchingHookSeesTheEventAndNotSystemdsVariables() throws Exception {
        Path out = dir.resolve("env");
        Path other = dir.resolve("other");
        try (HookRunner r = new HookRunner(List.of(
                OnEvent.parse("crash-loop: /bin/sh -c 'env > " + out + "'"),
                OnEvent.parse("recovered: /bin/sh -c 'touch " + other + "'")), Duration.ofSeconds(10), emperorEnv())) {
            r.fire(alert(VassalAlert.Kind.CRASH_LOOP, 0));
            until(Duration.ofSeconds(20), () -> Files.exists(out) && Files.readString(out).contains("EMPEROR_TIME="));
        }
        String env = Files.readString(out);
        assertThat(env).contains("EMPEROR_EVENT=crash-loop\n", "EMPEROR_VASSAL=web\n",
                "EMPEROR_REASON=worker 1 exited with code 3\n", "EMPEROR_STATE=backoff\n",
                "EMPEROR_CONFIG=/srv/vassals/web.ini\n", "EMPEROR_RESTARTS=2\n", "KEEP=me\n")
                .doesNotContain("NOTIFY_SOCKET", "WATCHDOG_", "LISTEN_FDS", "INVOCATION_ID", "EMPEROR_TOKEN", "EMPEROR_PID");
        assertThat(other).doesNotExist(); // recovered did not happen
    }

    @Test
    void aHookPastItsTimeoutIsKilledWithItsChildren() throws Exception {
        Path pids = dir.resolve("pids");
        try (HookRunner r = new HookRunner(List.of(OnEvent.parse(
                "/bin/sh -c 'sleep 1000 & echo $$ $! > " + pids + "; wait'")), Duration.ofMillis(1500), emperorEnv())) {
            long start = System.nanoTime();
            r.fire(alert(VassalAlert.Kind.FAILED, 0));
            until(Duration.ofSeconds(20), () -> Files.exists(pids) && Files.readString(pids).contains(" "));
            String[] p = Files.readString(pids).strip().split(" ");
            until(Duration.ofSeconds(20), () -> r.failed() == 1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            for (String pid : p) {
                until(Duration.ofSeconds(5), () -> ProcessHandle.of(Long.parseLong(pid)).map(h -> !h.isAlive()).orElse(true));
            }
        }
    }

    @Test
    void pastTheBoundEventsAreDroppedAndCounted() throws Exception {
        Path gate = dir.resolve("gate");
        // Each hook waits for the gate file (at most its timeout), so the runners stay busy.
        try (HookRunner r = new HookRunner(List.of(OnEvent.parse(
                "/bin/sh -c 'while [ ! -e " + gate + " ]; do sleep 0.05; done'")), Duration.ofSeconds(30), emperorEnv())) {
            int sent = HookRunner.RUNNING + HookRunner.WAITING + 5;
            for (int i = 0; i < sent; i++) r.fire(alert(VassalAlert.Kind.RECOVERED, 0));
            assertThat(r.dropped()).isEqualTo(5); // fire never waited
            Files.createFile(gate);
        }
    }

    @Test
    void aHookThatCannotStartOrFailsIsCounted() throws Exception {
        try (HookRunner r = new HookRunner(List.of(OnEvent.parse("/nonexistent/hook"), OnEvent.parse("/bin/false")),
                Duration.ofSeconds(10), emperorEnv())) {
            r.fire(alert(VassalAlert.Kind.HUNG_KILLED, 1234));
            until(Duration.ofSeconds(20), () -> r.failed() == 2);
        }
    }

    @Test
    void theWorkerConcernedIsInEmperorPid() {
        try (HookRunner r = new HookRunner(List.of(), Duration.ofSeconds(1), emperorEnv())) {
            assertThat(r.environment(alert(VassalAlert.Kind.HUNG_KILLED, 4321))).containsEntry("EMPEROR_PID", "4321")
                    .containsEntry("EMPEROR_EVENT", "hung-killed");
        }
    }
}
