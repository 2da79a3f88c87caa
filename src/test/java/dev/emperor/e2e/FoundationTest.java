package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The foundation, end to end: the packaged emperor against real processes. Each test starts
 * its own emperor on a temp directory and leaves no process behind.
 */
class FoundationTest extends EmperorTestBase {

    private static final Duration SOON = Duration.ofSeconds(20);






    private String sleeper(String extra) {
        return "[vassal]\ncommand = sleep " + marker + "\n" + extra;
    }

    @Test
    void startsAVassalWhenItsFileAppears() throws Exception {
        EmperorProcess emperor = emperor();
        writeVassal("app.ini", "[vassal]\ncommand = sh -c \"echo hello from $EMPEROR_VASSAL worker $EMPEROR_WORKER;"
                + " exec sleep " + marker + "\"\nprocesses = 2\nlogto = app-output.log\n");

        JsonNode app = emperor.awaitState("app", "running");

        assertThat(app.path("workers")).hasSize(2);
        for (long pid : emperor.pids("app")) {
            assertThat(Processes.alive(pid)).isTrue();
            assertThat(Processes.parent(pid)).contains(emperor.pid());
            assertThat(ProcessHandle.of(pid).orElseThrow().info().commandLine().orElse("")).contains(marker);
        }
        Path output = vassals.resolve("app-output.log");
        await().atMost(SOON).until(() -> EmperorProcess.read(output).contains("hello from app worker 2"));
        assertThat(EmperorProcess.read(output)).contains("hello from app worker 1");
    }

    @Test
    void reloadsOnTouchWithNewProcesses() throws Exception {
        EmperorProcess emperor = emperor();
        Path file = writeVassal("app.ini", sleeper("ready-after = 0.2\n"));
        emperor.awaitState("app", "running");
        long before = emperor.pids("app").get(0);

        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5_000));

        await().atMost(SOON).until(() -> !emperor.pids("app").isEmpty() && emperor.pids("app").get(0) != before);
        emperor.awaitState("app", "running");
        await().atMost(SOON).until(() -> !Processes.alive(before));
        assertThat(emperor.vassal("app").orElseThrow().path("restarts").asInt())
                .as("a reload is not a crash").isZero();
    }

    @Test
    void anEditorsWriteThenRenameIsOneReload() throws Exception {
        EmperorProcess emperor = emperor();
        writeVassal("app.ini", sleeper("ready-after = 0.2\n"));
        emperor.awaitState("app", "running");

        writeVassal("app.ini", sleeper("ready-after = 0.2\nprocesses = 3\n"));

        await().atMost(SOON).until(() -> emperor.pids("app").size() == 3);
        emperor.awaitState("app", "running");
        assertThat(countMatches(emperor.log(), "vassal app: .* -> reloading")).isEqualTo(1);
    }

    @Test
    void stopsTheVassalWhenItsFileIsDeleted() throws Exception {
        EmperorProcess emperor = emperor();
        Path file = writeVassal("app.ini", sleeper("processes = 2\n"));
        emperor.awaitState("app", "running");
        List<Long> pids = emperor.pids("app");

        Files.delete(file);

        await().atMost(SOON).until(() -> emperor.vassal("app").isEmpty());
        for (long pid : pids) assertThat(Processes.alive(pid)).isFalse();
        assertThat(Processes.withMarker(marker)).isEmpty();
    }

    @Test
    void restartsAWorkerKilledWithSigkill() throws Exception {
        EmperorProcess emperor = emperor();
        writeVassal("app.ini", sleeper("ready-after = 0.2\n"));
        emperor.awaitState("app", "running");
        long victim = emperor.pids("app").get(0);

        ProcessHandle.of(victim).orElseThrow().destroyForcibly();

        await().atMost(SOON).until(() -> {
            List<Long> now = emperor.pids("app");
            return !now.isEmpty() && now.get(0) != victim && Processes.alive(now.get(0));
        });
        JsonNode app = emperor.awaitState("app", "running");
        assertThat(app.path("restarts").asInt()).isEqualTo(1);
        assertThat(app.path("last_exit").asText()).contains("SIGKILL");
    }

    @Test
    void throttlesAVassalThatExitsAtOnce() throws Exception {
        EmperorProcess emperor = emperor("--throttle", "100", "--max-throttle", "800");
        writeVassal("crashy.ini", "[vassal]\ncommand = false\n");

        await().atMost(SOON).until(() -> emperor.vassal("crashy").map(v -> v.path("restarts").asInt() >= 6)
                .orElse(false));

        List<Double> delays = new ArrayList<>();
        Matcher m = Pattern.compile("vassal crashy: worker 1 exited with code 1 .*next try in ([0-9.]+) s")
                .matcher(emperor.log());
        while (m.find()) delays.add(Double.parseDouble(m.group(1)));
        assertThat(delays).hasSizeGreaterThanOrEqualTo(6);
        assertThat(delays.subList(0, 5)).containsExactly(0.1, 0.2, 0.4, 0.8, 0.8);
        JsonNode crashy = emperor.vassal("crashy").orElseThrow();
        assertThat(crashy.path("last_exit").asText()).contains("exited with code 1");
        // Between tries the vassal says so.
        await().atMost(SOON).until(() -> emperor.vassal("crashy").orElseThrow().path("state").asText().equals("backoff"));
    }

    @Test
    void aMalformedFileIsInvalidAndDisturbsNoOtherVassal() throws Exception {
        EmperorProcess emperor = emperor();
        writeVassal("good.ini", sleeper(""));
        emperor.awaitState("good", "running");
        long goodPid = emperor.pids("good").get(0);

        Path bad = writeVassal("bad.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = lots\n");

        JsonNode invalid = emperor.awaitState("bad", "invalid");
        // /stats (readable by every local user) names the file, line and option, and quotes nothing from it
        assertThat(invalid.path("error").asText()).startsWith(bad + ":3: processes").doesNotContain("lots");
        assertThat(emperor.log()).contains("lots");
        assertThat(invalid.path("workers")).isEmpty();
        assertThat(emperor.pids("good")).containsExactly(goodPid);

        writeVassal("bad.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 2\n");

        JsonNode fixed = emperor.awaitState("bad", "running");
        assertThat(fixed.path("error").isNull()).isTrue();
        assertThat(fixed.path("workers")).hasSize(2);
        assertThat(emperor.pids("good")).containsExactly(goodPid);
    }

    @Test
    void sigtermStopsEveryVassalGracefullyAndExitsZero() throws Exception {
        EmperorProcess emperor = emperor();
        writeVassal("polite.ini", sleeper("processes = 2\n"));
        // Ignores SIGTERM (an ignored signal survives exec): needs SIGKILL after reload-mercy.
        writeVassal("stubborn.ini", "[vassal]\ncommand = sh -c \"trap '' TERM; exec sleep " + marker + "\"\n"
                + "reload-mercy = 1\n");
        emperor.awaitState("polite", "running");
        emperor.awaitState("stubborn", "running");
        List<Long> pids = new ArrayList<>(emperor.pids("polite"));
        pids.addAll(emperor.pids("stubborn"));

        int code = emperor.stop();

        assertThat(code).isZero();
        for (long pid : pids) assertThat(Processes.alive(pid)).as("pid " + pid).isFalse();
        assertThat(Processes.withMarker(marker)).isEmpty();
        assertThat(emperor.log()).contains("did not stop within reload-mercy").contains("all vassals stopped");
    }

    @Test
    void aSigkilledEmperorLeavesNoProcessRunning() throws Exception {
        EmperorProcess emperor = emperor();
        writeVassal("plain.ini", sleeper("processes = 2\n"));
        // Forks a child into the background and then becomes another program: the child is
        // in the worker's process group but is not the worker.
        writeVassal("forker.ini", "[vassal]\ncommand = sh -c \"sleep " + marker + " & exec sleep " + marker + "\"\n");
        emperor.awaitState("plain", "running");
        emperor.awaitState("forker", "running");
        await().atMost(SOON).until(() -> Processes.withMarker(marker).size() == 4);
        List<Long> workers = new ArrayList<>(emperor.pids("plain"));
        workers.addAll(emperor.pids("forker"));

        emperor.kill();
        emperor.process().waitFor();

        // The workers die with the emperor (parent-death signal).
        await().atMost(SOON).until(() -> workers.stream().noneMatch(Processes::alive));
        // What a worker forked is swept by the next emperor on the same run dir, before it
        // starts anything.
        Files.delete(vassals.resolve("plain.ini"));
        Files.delete(vassals.resolve("forker.ini"));
        EmperorProcess next = emperor();
        await().atMost(SOON).until(() -> Processes.withMarker(marker).isEmpty());
        assertThat(next.log()).contains("left behind by an emperor that died hard");
    }

    @Test
    void ignoresEditorLeftoversAndHiddenFiles() throws Exception {
        EmperorProcess emperor = emperor();
        writeVassal("app.ini~", sleeper(""));
        writeVassal(".hidden.ini", sleeper(""));
        writeVassal("notes.txt", sleeper(""));
        writeVassal("real.ini", sleeper(""));

        emperor.awaitState("real", "running");

        assertThat(emperor.stats().path("vassals")).hasSize(1);
    }

    private static int countMatches(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) n++;
        return n;
    }
}
