package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The everyday verbs an operator types in a plain shell (only EMPEROR_RUN_DIR set, no flags):
 * {@code status [NAME]}, {@code restart NAME} and {@code logs NAME [-n N] [-f]}, against the
 * packaged emperor and real processes.
 */
class VerbsTest extends EmperorTestBase {

    private static final Duration SOON = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    record Result(int code, String out) {
    }

    /** The packaged CLI with nothing but PATH and EMPEROR_RUN_DIR in its environment. */
    private ProcessBuilder cliProcess(String... args) {
        List<String> cmd = new ArrayList<>(List.of(EmperorProcess.javaBinary().toString(), "-jar",
                EmperorProcess.jar().toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(tmp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "EMPEROR_RUN_DIR", runDir.toString()));
        return pb;
    }

    private Result cli(String... args) throws IOException, InterruptedException {
        Process p = cliProcess(args).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("emperor " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), out);
    }

    @Test
    void statusOfOneVassalShowsUptimeHealthRssRestartsAndLastExit() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 2\nready-after = 0.2\n");
        writeVassal("other.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        EmperorProcess e = emperor();
        e.awaitState("other", "running");
        long killed = e.awaitState("app", "running").path("workers").get(0).path("pid").asLong();
        ProcessHandle.of(killed).ifPresent(ProcessHandle::destroyForcibly); // an unplanned exit: SIGKILL
        await("worker 1 respawned").atMost(SOON).until(() -> e.pids("app").size() == 2 && !e.pids("app").contains(killed)
                && e.vassal("app").orElseThrow().path("state").asText().equals("running"));

        Result one = cli("status", "app");
        assertThat(one.code()).as(one.out()).isZero();
        // VASSAL STATE UPTIME HEALTH RSS RESTARTS LAST EXIT, then one line per worker
        assertThat(one.out()).as(one.out()).containsPattern(
                "(?m)^app +running +\\d+[smhd]\\S* +no-agent,no-agent +[0-9.]+[KMG],[0-9.]+[KMG] +1 +\\S.*$");
        assertThat(one.out()).containsPattern("(?m)^1 +" + e.pids("app").get(0) + " +running +\\d+\\S* +no-agent +[0-9.]+[KMG] ");
        assertThat(one.out()).doesNotContain("other");

        Result json = cli("status", "app", "--json");
        assertThat(json.code()).as(json.out()).isZero();
        JsonNode app = JSON.readTree(json.out());
        assertThat(app.path("name").asText()).isEqualTo("app");
        assertThat(app.path("restarts").asInt()).isEqualTo(1);
        assertThat(app.path("last_exit").asText()).as(json.out()).containsIgnoringCase("KILL");
        for (JsonNode w : app.path("workers")) {
            long pid = w.path("pid").asLong();
            long statmRss = Long.parseLong(Files.readString(Path.of("/proc/" + pid + "/statm")).trim().split(" ")[1]) * 4096;
            assertThat(w.path("rss_bytes").asLong()).as("worker %d's RSS", pid).isPositive()
                    .isCloseTo(statmRss, org.assertj.core.data.Percentage.withPercentage(50));
        }

        Result all = cli("status");
        assertThat(all.code()).as(all.out()).isZero();
        assertThat(all.out()).containsPattern("(?m)^VASSAL +STATE +UPTIME +HEALTH +RSS +RESTARTS +LAST EXIT$")
                .containsPattern("(?m)^app +running +\\d+\\S* +no-agent,no-agent +\\S+ +1 ")
                .containsPattern("(?m)^other +running +\\d+\\S* +no-agent +[0-9.]+[KMG] +0 +- *$");

        Result none = cli("status", "nope");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.out()).isEqualTo("emperor: no vassal named 'nope'\n");
    }

    @Test
    void restartReplacesEveryWorkerOrSaysWhyNot() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 2\nready-after = 0.2\n");
        writeVassal("broken.ini", "[vassal]\nprocesses = 2\n"); // no command: invalid
        EmperorProcess e = emperor();
        e.awaitState("broken", "invalid");
        e.awaitState("app", "running");
        List<Long> before = e.pids("app");
        assertThat(before).hasSize(2);

        Result r = cli("restart", "app");

        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).isEqualTo("restarting app: replacing 2 worker(s), pids " + before.get(0) + " "
                + before.get(1) + "\n");
        await("both workers replaced").atMost(SOON).until(() -> {
            List<Long> now = e.pids("app");
            return now.size() == 2 && now.stream().noneMatch(before::contains)
                    && before.stream().noneMatch(Processes::alive);
        });
        e.awaitState("app", "running");
        assertThat(e.log()).contains("vassal app: restart requested by an operator: replacing 2 worker(s)");

        Result missing = cli("restart", "nope");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.out()).isEqualTo("emperor: no vassal named 'nope'\n");

        Result invalid = cli("restart", "broken");
        assertThat(invalid.code()).isEqualTo(1);
        assertThat(invalid.out()).isEqualTo("emperor: vassal broken is not running (invalid, no live worker);"
                + " nothing restarted\n");
    }

    @Test
    void logsPrintsTheLastLinesThenFollowsAcrossRotation() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sh -c \"echo one; echo two; echo three; exec sleep " + marker
                + "\"\nlogto = app.log\n");
        EmperorProcess e = emperor();
        e.awaitState("app", "running");
        Path log = vassals.resolve("app.log");
        await("the worker's output in its log").atMost(SOON).until(() -> EmperorProcess.read(log).contains("three"));

        Result last = cli("logs", "app", "-n", "2");
        assertThat(last.code()).as(last.out()).isZero();
        List<String> lines = Files.readAllLines(log);
        assertThat(last.out()).isEqualTo(lines.get(lines.size() - 2) + "\n" + lines.get(lines.size() - 1) + "\n");
        assertThat(cli("logs", "app").out()).contains("one", "two", "three"); // default: the last 20 lines

        Process follower = cliProcess("logs", "app", "-f", "-n", "1").start();
        try {
            ByteArrayOutputStream seen = drain(follower.getInputStream());
            await("logs -f printed the last line").atMost(SOON).until(() -> text(seen).endsWith("three\n"));
            assertThat(cli("restart", "app").code()).isZero(); // the new worker writes its lines again
            await("lines appended after the start of logs -f").atMost(SOON)
                    .until(() -> text(seen).split("three\n", -1).length == 3);

            Files.move(log, vassals.resolve("app.log.1")); // logrotate's default: rename, then create
            Files.writeString(log, "a line in the new file\n", StandardOpenOption.CREATE_NEW);
            await("the new file at the path is followed").atMost(SOON)
                    .until(() -> text(seen).contains("a line in the new file\n"));
            assertThat(follower.isAlive()).isTrue();
        } finally {
            follower.destroyForcibly(); // by its own pid
            follower.waitFor(10, TimeUnit.SECONDS);
        }

        Result none = cli("logs", "nope");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.out()).isEqualTo("emperor: no vassal named 'nope'\n");
    }

    @Test
    void stopKeepsAVassalStoppedAcrossTouchesAndEmperorRestartsUntilStart() throws Exception {
        String stateDir = tmp.resolve("state").toString();
        Path app = writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 2\nready-after = 0.2\n");
        writeVassal("other.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        EmperorProcess e = emperor("--state-dir", stateDir);
        e.awaitState("app", "running");
        long other = e.awaitState("other", "running").path("workers").get(0).path("pid").asLong();
        List<Long> workers = e.pids("app");

        Result stop = cli("stop", "app");

        assertThat(stop.code()).as(stop.out()).isZero();
        assertThat(stop.out()).startsWith("stopping app (2 worker(s)); it stays stopped").contains("'emperor start app'");
        await("app's workers gone").atMost(SOON).until(() -> workers.stream().noneMatch(Processes::alive));
        JsonNode stopped = e.awaitState("app", "stopped");
        assertThat(stopped.path("workers")).isEmpty();
        assertThat(stopped.path("error").asText()).startsWith("stopped by an operator");
        Result status = cli("status", "app");
        assertThat(status.code()).as(status.out()).isZero();
        assertThat(status.out()).containsPattern("(?m)^app +stopped +- +- +- +0 ")
                .contains("error: stopped by an operator");
        assertThat(cli("stop", "app").out()).isEqualTo("app is already stopped by an operator; 'emperor start app'"
                + " starts it\n");

        // a touch is seen by the scan that starts a vassal dropped after it; app stays stopped
        Files.setLastModifiedTime(app, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 2000));
        writeVassal("probe.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        e.awaitState("probe", "running");
        assertThat(e.vassal("app").orElseThrow().path("state").asText()).isEqualTo("stopped");
        assertThat(e.pids("other")).containsExactly(other);

        assertThat(e.stop()).isZero();
        EmperorProcess again = emperor("--state-dir", stateDir);
        again.awaitState("probe", "running");
        assertThat(again.awaitState("app", "stopped").path("error").asText()).startsWith("stopped by an operator");
        assertThat(again.pids("app")).isEmpty();
        assertThat(again.log()).contains("stay stopped, as an operator asked before");

        Result start = cli("start", "app");

        assertThat(start.code()).as(start.out()).isZero();
        assertThat(start.out()).isEqualTo("starting app\n");
        again.awaitState("app", "running");
        assertThat(again.pids("app")).hasSize(2).noneMatch(workers::contains);
        assertThat(cli("start", "app").out()).isEqualTo("app is not stopped (running); nothing to start\n");

        for (String verb : List.of("stop", "start")) {
            Result none = cli(verb, "nope");
            assertThat(none.code()).as(verb).isEqualTo(1);
            assertThat(none.out()).isEqualTo("emperor: no vassal named 'nope'\n");
        }
    }

    @Test
    void reloadOfTheEmperorsSettingsReloadsOnlyTheVassalsTheyChange() throws Exception {
        Path more = Files.createDirectories(tmp.resolve("more"));
        Path ini = tmp.resolve("emperor.ini");
        Files.writeString(ini, "[emperor]\nvassal-set = processes=1\nvassal-set = ready-after=0.2\n");
        writeVassal("plain.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        writeVassal("own.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 2\n");
        Files.writeString(more.resolve("extra.ini"), "[vassal]\ncommand = sleep " + marker + "\n");
        EmperorProcess e = emperor("--ini", ini.toString());
        long plain = e.awaitState("plain", "running").path("workers").get(0).path("pid").asLong();
        e.awaitState("own", "running");
        List<Long> own = e.pids("own");

        // SIGHUP (what systemctl reload sends): new defaults and one more directory
        Files.writeString(ini, "[emperor]\nvassal-set = processes=3\nvassal-set = ready-after=0.2\nemperor = " + more
                + "\n");
        new ProcessBuilder("kill", "-HUP", Long.toString(e.pid())).inheritIO().start().waitFor();

        await("plain reloaded with 3 workers").atMost(SOON).until(() -> e.pids("plain").size() == 3
                && !e.pids("plain").contains(plain) && e.vassal("plain").orElseThrow().path("state").asText().equals("running"));
        e.awaitState("extra", "running");
        assertThat(e.pids("own")).as("own sets processes itself: untouched").isEqualTo(own);
        assertThat(e.log()).contains("now watching " + more).contains("1 vassal(s) reloading gracefully: plain");

        // a settings file that no longer reads: everything keeps running as it is
        Files.writeString(ini, "[emperor]\nvassal-set = processes=3\nthrottle = soon\n");
        List<Long> plainNow = e.pids("plain");

        Result broken = cli("reload");

        assertThat(broken.code()).as(broken.out()).isEqualTo(1);
        assertThat(broken.out()).startsWith("emperor: the emperor's settings were not reloaded; everything keeps"
                + " running as it is:").contains(ini + ":3: ");
        assertThat(e.log()).contains(ini + ":3: ");
        assertThat(e.pids("plain")).isEqualTo(plainNow);
        assertThat(e.pids("own")).isEqualTo(own);
        assertThat(e.vassal("extra").orElseThrow().path("state").asText()).isEqualTo("running");

        // fixed again, and back to one directory: extra stops, nothing else is touched
        Files.writeString(ini, "[emperor]\nvassal-set = processes=3\nvassal-set = ready-after=0.2\n");
        List<Long> extra = e.pids("extra");
        Result ok = cli("reload", "--emperor");
        assertThat(ok.code()).as(ok.out()).isZero();
        assertThat(ok.out()).isEqualTo("reloaded the emperor's settings from " + ini + "; no longer watching " + more
                + " (its vassals stop); no vassal's effective settings changed\n");
        await("extra stopped").atMost(SOON).until(() -> e.vassal("extra").isEmpty()
                && extra.stream().noneMatch(Processes::alive));
        assertThat(e.pids("plain")).isEqualTo(plainNow);
        assertThat(e.pids("own")).isEqualTo(own);
    }

    @Test
    void checkExitsZeroForValidFilesAndOneWithFileAndLineOtherwise() throws Exception {
        Path good = Files.writeString(tmp.resolve("good.ini"), "[vassal]\ncommand = sleep 1\n");
        Path bad = Files.writeString(tmp.resolve("bad.ini"), "[vassal]\ncommand = sleep 1\nprocesses = many\n");

        Result valid = cli("check", good.toString());
        assertThat(valid.code()).as(valid.out()).isZero();
        assertThat(valid.out()).isEmpty();

        Result invalid = cli("check", good.toString(), bad.toString());
        assertThat(invalid.code()).isEqualTo(1);
        assertThat(invalid.out()).startsWith(bad + ":3: ").doesNotContain(good.toString());
        assertThat(cli("config", "check", good.toString(), bad.toString())).isEqualTo(invalid);
    }

    private static ByteArrayOutputStream drain(InputStream in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    synchronized (out) {
                        out.write(buf, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the follower was stopped
            }
        });
        return out;
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
