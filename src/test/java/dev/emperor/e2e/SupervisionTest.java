package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One vassal's supervision, end to end: reloads, restart policy, limits, escapes, logs. */
class SupervisionTest extends EmperorTestBase {

    private static final Duration SOON = Duration.ofSeconds(30);






    private static void touch(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 10_000));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }


    @Test
    void aChainReloadKeepsAWorkerAnsweringThroughout() throws Exception {
        int port = freePort();
        Path file = writeVassal("web.ini", "[vassal]\ncommand = python3 " + app("reuseport_http.py") + " " + port
                + " " + marker + "\nprocesses = 2\nlazy-apps = true\nready-after = 3\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("web", "running");
        Set<Long> before = new HashSet<>(emperor.pids("web"));

        AtomicBoolean hammering = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        List<String> otherErrors = new ArrayList<>();
        Thread client = Thread.ofPlatform().start(() -> {
            while (hammering.get()) {
                try {
                    HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL()
                            .openConnection();
                    c.setConnectTimeout(2000);
                    c.setReadTimeout(2000);
                    if (c.getResponseCode() == 200) ok.incrementAndGet();
                    c.getInputStream().readAllBytes();
                    c.disconnect();
                } catch (ConnectException e) {
                    refused.incrementAndGet();
                } catch (IOException e) {
                    synchronized (otherErrors) {
                        otherErrors.add(e.toString());
                    }
                }
            }
        });
        try {
            await().atMost(SOON).until(() -> ok.get() > 20);
            touch(file);
            await().atMost(SOON).until(() -> {
                List<Long> now = emperor.pids("web");
                return now.size() == 2 && now.stream().noneMatch(before::contains)
                        && emperor.vassal("web").orElseThrow().path("state").asText().equals("running");
            });
            int okAfterReload = ok.get();
            await().atMost(SOON).until(() -> ok.get() > okAfterReload + 20);
        } finally {
            hammering.set(false);
            client.join();
        }
        assertThat(refused.get()).as("refused connections during the chain reload").isZero();
        assertThat(emperor.log()).contains("chain reload");
        // Closing a SO_REUSEPORT listener resets the connections still queued on it (at most
        // a few per replaced worker): the app's business, not a gap in serving.
        assertThat(otherErrors).as("other client errors").hasSizeLessThanOrEqualTo(4);
    }

    @Test
    void withoutLazyAppsAReloadRunsPreloadAgainAndReplacesAllWorkersTogether() throws Exception {
        Path preloads = tmp.resolve("preloads.txt");
        Path file = writeVassal("app.ini", "[vassal]\npreload = sh -c \"echo loaded >> " + preloads + "\"\n"
                + "command = sleep " + marker + "\nprocesses = 2\nready-after = 0.3\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("app", "running");
        assertThat(Files.readAllLines(preloads)).hasSize(1);
        List<Long> before = emperor.pids("app");

        touch(file);

        await().atMost(SOON).until(() -> {
            List<Long> now = emperor.pids("app");
            return now.size() == 2 && now.stream().noneMatch(before::contains);
        });
        emperor.awaitState("app", "running");
        assertThat(Files.readAllLines(preloads)).hasSize(2);
        String log = emperor.log();
        // All old workers are gone before the preload runs again and before any new worker starts.
        int lastOldExit = Math.max(log.indexOf("pid " + before.get(0)), log.indexOf("pid " + before.get(1)));
        assertThat(log.indexOf("preload started", lastOldExit)).isGreaterThan(lastOldExit);
    }

    @Test
    void withMasterOnlyTheDeadWorkerIsRespawned() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 2\nready-after = 0.2\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("app", "running");
        List<Long> before = emperor.pids("app");

        ProcessHandle.of(before.get(0)).orElseThrow().destroyForcibly();

        await().atMost(SOON).until(() -> emperor.pids("app").size() == 2 && !emperor.pids("app").get(0).equals(before.get(0)));
        assertThat(emperor.pids("app").get(1)).isEqualTo(before.get(1));
    }

    @Test
    void withoutMasterADeadWorkerRestartsTheWholeVassal() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 2\nmaster = false\n"
                + "ready-after = 0.2\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("app", "running");
        List<Long> before = emperor.pids("app");

        ProcessHandle.of(before.get(0)).orElseThrow().destroyForcibly();

        await().atMost(SOON).until(() -> {
            List<Long> now = emperor.pids("app");
            return now.size() == 2 && now.stream().noneMatch(before::contains);
        });
        assertThat(Processes.alive(before.get(1))).isFalse();
    }

    @Test
    void aVassalThatKeepsFailingIsFailedUntilItsFileChanges() throws Exception {
        Path file = writeVassal("crashy.ini", "[vassal]\ncommand = false\nmax-fast-failures = 3\n");
        EmperorProcess emperor = emperor("--throttle", "50");

        JsonNode failed = emperor.awaitState("crashy", "failed");
        assertThat(failed.path("error").asText()).contains("gave up after 3 fast failures");
        assertThat(failed.path("restarts").asInt()).isEqualTo(3);

        writeVassal("crashy.ini", "[vassal]\ncommand = sleep " + marker + "\nready-after = 0.2\n");

        emperor.awaitState("crashy", "running");
        assertThat(emperor.log()).contains("vassal crashy: failed -> ");
    }

    @Test
    void touchingATouchReloadFileReloadsTheVassal() throws Exception {
        Path trigger = Files.writeString(tmp.resolve("deploy.stamp"), "v1");
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\ntouch-reload = " + trigger
                + "\nready-after = 0.2\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("app", "running");
        long before = emperor.pids("app").get(0);

        touch(trigger);

        await().atMost(SOON).until(() -> !emperor.pids("app").isEmpty() && emperor.pids("app").get(0) != before);
        assertThat(emperor.log()).contains("touch-reload file " + trigger + " changed");
    }

    @Test
    void aWorkerPastReloadOnRssIsReplaced() throws Exception {
        writeVassal("fat.ini", "[vassal]\ncommand = python3 -c \"import time; x = b'\\\\x01' * (64 << 20);"
                + " time.sleep(100000)\" " + marker + "\nreload-on-rss = 32\n");
        EmperorProcess emperor = emperor();
        await().atMost(SOON).until(() -> !emperor.pids("fat").isEmpty());
        long first = emperor.pids("fat").get(0);

        await().atMost(SOON).until(() -> !emperor.pids("fat").isEmpty() && emperor.pids("fat").get(0) != first);

        assertThat(Processes.alive(first)).isFalse();
        assertThat(emperor.log()).contains("over reload-on-rss = 32 MB");
        assertThat(emperor.vassal("fat").orElseThrow().path("restarts").asInt()).as("a replacement is not a crash")
                .isZero();
    }

    @Test
    void processesThatTryToEscapeAreStoppedWithTheirVassal() throws Exception {
        // One child stays in the worker's group (double fork); one starts its own session.
        Path file = writeVassal("sneaky.ini", "[vassal]\ncommand = sh -c \"(sleep " + marker + " &) ;"
                + " setsid sleep " + marker + " & exec sleep " + marker + "\"\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("sneaky", "running");
        await().atMost(SOON).until(() -> Processes.withMarker(marker).size() == 3);

        Files.delete(file);

        await().atMost(SOON).until(() -> emperor.vassal("sneaky").isEmpty());
        await().atMost(SOON).until(() -> Processes.withMarker(marker).isEmpty());
        // killed with the vassal's cgroup where there is cgroup v2, else found by the environ sweep
        assertThat(emperor.log()).containsAnyOf("left running in its cgroup", "had left their worker's process group");
    }

    @Test
    void workersRunAsTheirUserWhenTheEmperorIsRoot() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                "root".equals(System.getProperty("user.name")), "needs root to switch users");
        writeVassal("nobody.ini", "[vassal]\ncommand = sh -c \"echo uid=$(id -u) gid=$(id -g) umask=$(umask);"
                + " exec sleep " + marker + "\"\nchdir = /\nuid = nobody\numask = 027\nlimit-nofile = 123\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("nobody", "running");
        long pid = emperor.pids("nobody").get(0);

        Path log = Path.of(emperor.vassal("nobody").orElseThrow().path("log").path("file").asText());
        await().atMost(SOON).until(() -> EmperorProcess.read(log).contains("uid=65534"));
        assertThat(EmperorProcess.read(log)).contains("[worker 1] uid=65534").contains("umask=0027");
        assertThat(Files.readString(Path.of("/proc/" + pid + "/limits"))).containsPattern("Max open files +123 +123");
    }

    @Test
    void outputIsPrefixedByWorkerAndTheLogRotates() throws Exception {
        writeVassal("chatty.ini", "[vassal]\ncommand = sh -c \"i=0; while [ $i -lt 400 ]; do"
                + " echo line $i from $EMPEROR_WORKER; i=$((i+1)); done; exec sleep " + marker + "\"\n"
                + "processes = 2\nlogto = chatty.log\nlog-maxsize = 8K\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("chatty", "running");
        Path log = vassals.resolve("chatty.log");

        await().atMost(SOON).until(() -> Files.exists(Path.of(log + ".1")) && EmperorProcess.read(log).contains("line 399")
                || EmperorProcess.read(Path.of(log + ".1")).contains("line 399"));

        assertThat(Files.size(log)).isLessThanOrEqualTo(8 << 10);
        assertThat(Files.size(Path.of(log + ".1"))).isLessThanOrEqualTo(8 << 10);
        assertThat(EmperorProcess.read(log) + EmperorProcess.read(Path.of(log + ".1"))).containsPattern(
                "\\[worker [12]\\] line \\d+ from [12]\n");
        JsonNode chatty = emperor.vassal("chatty").orElseThrow();
        assertThat(chatty.path("log").path("dropped_lines").asLong()).isZero();
        assertThat(chatty.path("log").path("file").asText()).isEqualTo(log.toString());
    }
}
