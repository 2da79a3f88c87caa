package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tarball as an operator uses it: unpacked anywhere, run from a shell whose PATH has only
 * /usr/bin:/bin (where java, if any, is the machine's 17) and no JAVA_HOME. Its bin/emperor
 * must run on the runtime inside the tarball and need nothing else.
 */
class TarballTest extends EmperorTestBase {

    private static final Duration SOON = Duration.ofSeconds(30);
    private static final Pattern RUNNING_APP = Pattern.compile("(?m)^app +running ");
    private Process emperor;

    @AfterEach
    void stopEmperor() throws InterruptedException {
        if (emperor != null && emperor.isAlive()) {
            emperor.destroyForcibly(); // by its pid; the base class kills the workers by marker
            emperor.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** dist/target/emperor-VERSION-linux-x64.tar.gz, which the dist module makes before these tests run. */
    static Path tarball() throws IOException {
        Path target = distTarget();
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().matches("emperor-.*-linux-x64\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no emperor-*-linux-x64.tar.gz in " + target
                            + "; run 'mvn verify' from the root"));
        }
    }

    static Path distTarget() {
        return Path.of(System.getProperty("emperor.root", "../..")).resolve("dist/target").toAbsolutePath().normalize();
    }

    @Test
    void runsOnItsOwnRuntimeFromAShellWithoutJava() throws Exception {
        Path unpacked = Files.createDirectories(tmp.resolve("opt"));
        Result untar = run(List.of("tar", "-xzf", tarball().toString(), "-C", unpacked.toString()));
        assertThat(untar.code()).as(untar.out()).isZero();
        Path home;
        try (Stream<Path> dirs = Files.list(unpacked)) {
            home = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        assertThat(home.getFileName().toString()).matches("emperor-.+");
        assertThat(home.resolve("bin/emperor")).isExecutable();
        assertThat(home.resolve("lib/emperor.jar")).isRegularFile();
        assertThat(home.resolve("lib/agent-bridge.jar")).isRegularFile();
        assertThat(home.resolve("systemd/emperor.service")).isRegularFile();
        assertThat(home.resolve("logrotate/emperor")).isRegularFile();

        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\nready-after = 0.2\n");
        Path log = tmp.resolve("emperor.log");
        emperor = withBareEnvironment(new ProcessBuilder(home.resolve("bin/emperor").toString(), "run", "--run-dir",
                runDir.toString(), "--stats", "127.0.0.1:0", vassals.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        EmperorProcess.awaitStatsUrl(emperor, log, EmperorProcess.STARTUP);

        // the launcher exec'd the bundled java: the emperor's pid runs runtime/bin/java
        Path exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(emperor.pid()), "exe"));
        assertThat(exe).as("executable of the emperor (pid %d)", emperor.pid()).startsWith(home.resolve("runtime"));

        await("the vassal's worker").atMost(SOON).until(() -> Processes.withMarker(marker).size() == 1);
        long worker = Processes.withMarker(marker).getFirst().pid();

        // the CLI of the same tree answers
        Result[] status = new Result[1];
        await("emperor status shows app running").atMost(SOON).pollInterval(Duration.ofMillis(200)).until(() -> {
            status[0] = run(List.of(home.resolve("bin/emperor").toString(), "status", "--run-dir", runDir.toString()));
            return status[0].code() == 0 && RUNNING_APP.matcher(status[0].out()).find();
        });

        emperor.destroy();
        assertThat(emperor.waitFor(60, TimeUnit.SECONDS)).as("emperor exits after SIGTERM").isTrue();
        assertThat(emperor.exitValue()).as(EmperorProcess.read(log)).isZero();
        await("worker gone").atMost(SOON).until(() -> !Processes.alive(worker));
        assertThat(Processes.withMarker(marker)).isEmpty();
    }

    /** What an operator's login shell without Java gives: PATH=/usr/bin:/bin, no JAVA_HOME. */
    static ProcessBuilder withBareEnvironment(ProcessBuilder pb) {
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", System.getProperty("user.home"));
        env.put("LANG", "C.UTF-8");
        return pb;
    }

    record Result(int code, String out) {
    }

    static Result run(List<String> cmd) throws IOException, InterruptedException {
        return run(cmd, Map.of());
    }

    static Result run(List<String> cmd, Map<String, String> extraEnv) throws IOException, InterruptedException {
        ProcessBuilder pb = withBareEnvironment(new ProcessBuilder(new ArrayList<>(cmd))).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish within 120 s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
