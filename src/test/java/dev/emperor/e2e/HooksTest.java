package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** on-event hooks, exec-pre and exec-post-stop with the packaged emperor and real processes. */
class HooksTest extends EmperorTestBase {

    private static final Duration SOON = Duration.ofSeconds(20);
    /** For the hook's own processes, so they are found (and killed) apart from the vassals'. */
    private final String hookMarker = Processes.marker();

    @AfterEach
    void killHooks() {
        Processes.killAll(hookMarker);
    }

    private Path settings(String body) throws Exception {
        return Files.writeString(tmp.resolve("emperor.ini"), "[emperor]\n" + body);
    }

    private static List<Path> files(Path dir, String prefix) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        }
    }

    @Test
    void aCrashLoopRunsItsHookOnceWithTheEvent() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path file = writeVassal("crashy.ini", "[vassal]\ncommand = false\nmax-fast-failures = 0\n");
        EmperorProcess emperor = emperor("--throttle", "50", "--ini", settings(
                "on-event = crash-loop: /bin/sh -c 'env > " + out + "/env-$$'\n"
                + "on-event = recovered,failed: /bin/sh -c 'touch " + out + "/other-$$'\n").toString());

        await().atMost(SOON).until(() -> !files(out, "env-").isEmpty());
        // The loop goes on (backoff, starting, backoff...): still one crash loop, one run.
        await().atMost(SOON).until(() -> emperor.vassal("crashy").map(v -> v.path("restarts").asInt()).orElse(0) >= 5);
        await().atMost(SOON).until(() -> emperor.log().contains("on-event crash-loop (vassal crashy)"));
        assertThat(files(out, "env-")).hasSize(1);
        assertThat(files(out, "other-")).isEmpty();

        String env = Files.readString(files(out, "env-").get(0));
        assertThat(env).contains("EMPEROR_EVENT=crash-loop\n", "EMPEROR_VASSAL=crashy\n", "EMPEROR_STATE=backoff\n",
                "EMPEROR_CONFIG=" + file.toRealPath() + "\n", "EMPEROR_RESTARTS=1\n", "EMPEROR_TIME=")
                .containsPattern("EMPEROR_REASON=.*exited with code 1")
                .doesNotContain("EMPEROR_PID=", "EMPEROR_TOKEN=", "NOTIFY_SOCKET=");
    }

    @Test
    void aHungHookIsKilledAtItsTimeoutWhileSupervisionGoesOn() throws Exception {
        Path hookPid = tmp.resolve("hook.pid");
        writeVassal("steady.ini", "[vassal]\ncommand = sleep " + marker + "\nready-after = 0.2\n");
        EmperorProcess emperor = emperor("--throttle", "50", "--ini", settings(
                "on-event-timeout = 6\n"
                + "on-event = crash-loop: /bin/sh -c 'echo $$ > " + hookPid + " && sleep " + hookMarker + " && true'\n")
                .toString());
        emperor.awaitState("steady", "running");
        writeVassal("crashy.ini", "[vassal]\ncommand = false\nmax-fast-failures = 0\n");

        await().atMost(SOON).until(() -> Files.exists(hookPid) && !Files.readString(hookPid).isBlank());
        long hook = Long.parseLong(Files.readString(hookPid).strip());
        await().atMost(SOON).until(() -> !Processes.withMarker(hookMarker).isEmpty());

        // While the hook hangs, a worker killed is respawned at once.
        long before = emperor.pids("steady").get(0);
        long killedAt = System.nanoTime();
        ProcessHandle.of(before).ifPresent(ProcessHandle::destroyForcibly);
        await().atMost(SOON).until(() -> emperor.vassal("steady").map(v -> {
            JsonNode w = v.path("workers").path(0);
            return w.path("pid").asLong() != before && w.path("pid").asLong() != 0;
        }).orElse(false));
        assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isLessThan(Duration.ofSeconds(3));
        assertThat(Processes.alive(hook)).as("the hook still runs").isTrue();

        // At its timeout the hook and its children are gone.
        try {
            await("the hung hook " + hook + " and its child gone").atMost(SOON)
                    .until(() -> !Processes.alive(hook) && Processes.withMarker(hookMarker).isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; alive: " + Processes.alive(hook) + ", marked: "
                    + Processes.withMarker(hookMarker).stream().map(h -> h.pid() + " " + h.info()).toList()
                    + "\nemperor log:\n" + emperor.log(), e);
        }
        await().atMost(SOON).until(() -> emperor.log().contains("was killed after on-event-timeout (6.0 s)"));
    }

    @Test
    void execPreRunsBeforeTheWorkerAndExecPostStopAfterItIsGone() throws Exception {
        Path data = tmp.resolve("prepared");
        Path seen = tmp.resolve("seen");
        Path workerPid = tmp.resolve("worker.pid");
        Path post = tmp.resolve("post");
        Path file = writeVassal("app.ini", "[vassal]\n"
                + "exec-pre = /bin/sh -c 'echo prepared by $EMPEROR_PHASE as $(id -u) in $(pwd) > " + data + "'\n"
                + "chdir = " + tmp + "\n"
                + "command = /bin/sh -c 'echo $$ > " + workerPid + " && cat " + data + " > " + seen
                + " && exec sleep " + marker + "'\n"
                + "ready-after = 0.2\n"
                + "exec-post-stop = /bin/sh -c 'if kill -0 $(cat " + workerPid + ") 2>/dev/null; then echo alive;"
                + " else echo gone; fi > " + post + "'\n");
        EmperorProcess emperor = emperor();

        emperor.awaitState("app", "running");
        await().atMost(SOON).until(() -> Files.exists(seen) && !Files.readString(seen).isBlank());
        assertThat(Files.readString(seen)).isEqualTo("prepared by exec-pre as 0 in " + tmp.toRealPath() + "\n");
        assertThat(emperor.log()).contains("exec-pre `/bin/sh -c").contains("succeeded");

        Files.delete(file);
        await().atMost(SOON).until(() -> Files.exists(post) && !Files.readString(post).isBlank());
        assertThat(Files.readString(post)).isEqualTo("gone\n");
        await().atMost(SOON).until(() -> emperor.vassal("app").isEmpty());
    }

    @Test
    void aFailingExecPreIsTheVassalsErrorAndItBacksOff() throws Exception {
        writeVassal("app.ini", "[vassal]\nexec-pre = /bin/sh -c 'exit 7'\ncommand = sleep " + marker + "\n");
        EmperorProcess emperor = emperor("--throttle", "50");

        JsonNode v = emperor.awaitState("app", "backoff");
        assertThat(v.path("error").asText()).contains("exec-pre `/bin/sh -c exit 7` exited with code 7");
        await().atMost(SOON).until(() -> emperor.vassal("app").map(x -> x.path("restarts").asInt()).orElse(0) >= 2);
        assertThat(emperor.pids("app")).isEmpty(); // the worker never started
    }

    @Test
    void aMistypedEventIsRefusedAtStartWithItsFileAndLine() throws Exception {
        Path settings = settings("on-event-timeout = 5\non-event = crash-lop: /bin/true\n");
        assertThatThrownBy(() -> emperor("--ini", settings.toString()))
                .hasMessageContaining(settings + ":3: on-event: unknown event 'crash-lop' (known: crash-loop, failed,");
    }
}
