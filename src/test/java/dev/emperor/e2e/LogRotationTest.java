package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * logrotate without copytruncate (rename, then the emperor makes the new file) and the
 * emperor's own log under journald, against the packaged emperor.
 */
class LogRotationTest extends EmperorTestBase {

    private static final Pattern COUNTED = Pattern.compile("line-(\\d+)$");

    private Path counter() throws IOException {
        Path script = tmp.resolve("count.sh");
        Files.writeString(script, "i=0\nwhile [ $i -lt 100000 ]; do echo line-$i; i=$((i+1)); sleep 0.01; done\n");
        return script;
    }

    @Test
    void aLogRenamedUnderTheEmperorIsReopenedAtItsPathWithNoLineLost() throws Exception {
        writeVassal("count.ini", "[vassal]\ncommand = sh " + counter() + " " + marker + "\n");
        EmperorProcess e = emperor();
        e.awaitState("count", "running");
        Path log = runDir.resolve("logs/count.log");
        Path rotated = runDir.resolve("logs/count.log.1");
        await().atMost(Duration.ofSeconds(20)).until(() -> counted(log).size() >= 20);

        Files.move(log, rotated);
        await("new lines in a new file at the old path").atMost(Duration.ofSeconds(5))
                .until(() -> counted(log).size() >= 10);
        assertThat(e.stop()).isZero();

        List<Integer> all = new ArrayList<>(counted(rotated));
        all.addAll(counted(log));
        assertThat(all).as("the renamed file, then the new one: every line once, in order").isNotEmpty();
        for (int i = 0; i < all.size(); i++) assertThat(all.get(i)).as("line %d", i).isEqualTo(i);
    }

    @Test
    void sigusr1ReopensLogsWithoutEndingTheEmperorAndTheLogMarksEachWorkersStartAndExit() throws Exception {
        writeVassal("once.ini", "[vassal]\ncommand = sh -c \"echo hello; exit 3\" " + marker
                + "\nlog-timestamp = true\nmax-fast-failures = 1\n");
        EmperorProcess e = emperor();
        Path log = runDir.resolve("logs/once.log");
        await("start and exit marked in the vassal's log").atMost(Duration.ofSeconds(20)).until(() ->
                EmperorProcess.read(log).contains("--- worker 1 exited with code 3"));
        String text = EmperorProcess.read(log);
        assertThat(text).containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z --- worker 1 started \\(pid \\d+\\)$")
                .containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z \\[worker 1\\] hello$");
        assertThat(text.indexOf("started")).isLessThan(text.indexOf("hello"));
        assertThat(text.indexOf("hello")).isLessThan(text.indexOf("exited with code 3"));

        // logrotate's postrotate: unhandled, SIGUSR1 would end the JVM.
        new ProcessBuilder("kill", "-USR1", Long.toString(e.pid())).start().waitFor(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> e.log().contains("SIGUSR1: every running worker's log"));
        assertThat(e.stats().path("emperor").path("pid").asLong()).isEqualTo(e.pid());
        assertThat(e.stop()).isZero();
    }

    @Test
    void theShippedLogrotateConfigRotatesAVassalLogWithNoLineLost() throws Exception {
        Path logrotate = Path.of("/usr/sbin/logrotate");
        Assumptions.assumeTrue(Files.isExecutable(logrotate), "logrotate is not installed (apt-get install logrotate)");
        Path shipped = Path.of(System.getProperty("emperor.root", "../..")).resolve("packaging/logrotate/emperor");
        // The shipped file as it is, its paths pointed at this test's run dir.
        String config = Files.readString(shipped).replaceFirst("(?m)^/var/log/emperor/\\*\\.log .*\\{$",
                runDir.resolve("logs") + "/*.log {");
        assertThat(config).contains(runDir.toString());
        Path conf = Files.writeString(tmp.resolve("logrotate.conf"), config);

        writeVassal("count.ini", "[vassal]\ncommand = sh " + counter() + " " + marker + "\n");
        EmperorProcess e = emperor();
        e.awaitState("count", "running");
        Path log = runDir.resolve("logs/count.log");
        await().atMost(Duration.ofSeconds(20)).until(() -> counted(log).size() >= 20);
        Process p = new ProcessBuilder(logrotate.toString(), "-f", "-s", tmp.resolve("logrotate.state").toString(),
                conf.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        await("new lines at the old path").atMost(Duration.ofSeconds(5)).until(() -> counted(log).size() >= 10);
        assertThat(e.stop()).isZero();

        List<Path> rotated;
        try (var files = Files.list(runDir.resolve("logs"))) {
            rotated = files.filter(f -> f.getFileName().toString().startsWith("count.log-")).toList();
        }
        assertThat(rotated).hasSize(1);
        List<Integer> all = new ArrayList<>(counted(rotated.get(0)));
        all.addAll(counted(log));
        for (int i = 0; i < all.size(); i++) assertThat(all.get(i)).as("line %d", i).isEqualTo(i);
    }

    @Test
    void underJournaldTheEmperorsLinesCarryPrioritiesAndNoTimestamp() throws Exception {
        writeVassal("idle.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        Files.createDirectories(runDir);
        Path stderr = Files.writeString(tmp.resolve("journal-stand-in"), "");
        Map<String, Object> a = Files.readAttributes(stderr, "unix:dev,ino");
        ProcessBuilder pb = new ProcessBuilder(EmperorProcess.javaBinary().toString(), "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-XX:-MaxFDLimit", "-jar", EmperorProcess.jar().toString(), "run",
                "--run-dir", runDir.toString(), vassals.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // What systemd sets for StandardError=journal: the stream's device and inode.
        pb.environment().put("JOURNAL_STREAM", a.get("dev") + ":" + a.get("ino"));
        Process p = pb.start();
        try {
            await().atMost(EmperorProcess.STARTUP).until(() -> Files.readString(stderr).contains("idle"));
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            List<String> lines = Files.readAllLines(stderr).stream().filter(l -> !l.startsWith("WARNING: ")).toList();
            assertThat(lines).isNotEmpty();
            assertThat(lines).as("sd-daemon priority, no time of its own")
                    .allSatisfy(l -> assertThat(l).matches("<[3467]>.*").doesNotContainPattern("^<\\d>\\d{4}-\\d\\d-\\d\\dT"));
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("<6>"));
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static List<Integer> counted(Path file) {
        List<Integer> out = new ArrayList<>();
        try {
            if (!Files.exists(file)) return out;
            for (String l : Files.readAllLines(file)) {
                Matcher m = COUNTED.matcher(l);
                if (m.find()) out.add(Integer.parseInt(m.group(1)));
            }
        } catch (IOException e) {
            return List.of();
        }
        return out;
    }
}
