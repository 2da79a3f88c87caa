package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An operator types {@code emperor status} in whatever shell they have: the CLI finds the
 * emperor through EMPEROR_RUN_DIR or the settings file it was started with, and when it
 * finds none, says where it looked and what to pass. And an emperor started with '&' from a
 * script (which starts it with SIGINT ignored) still stops gracefully on SIGINT.
 */
class FindTheEmperorTest extends EmperorTestBase {

    record Result(int code, String out) {
    }

    /** Runs the packaged CLI with exactly {@code env} (nothing inherited) and optionally another user's ids. */
    private Result cli(Map<String, String> env, List<String> prefix, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(EmperorProcess.javaBinary().toString(), "-jar", EmperorProcess.jar().toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(tmp.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("emperor " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), out);
    }

    private Result cli(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return cli(env, List.of(), args);
    }

    @Test
    void statusFindsTheEmperorThroughEmperorRunDirWithNoFlags() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        EmperorProcess e = emperor();
        e.awaitState("app", "running");

        Result status = cli(Map.of("EMPEROR_RUN_DIR", runDir.toString()), "status");
        assertThat(status.code()).as(status.out()).isZero();
        assertThat(status.out()).containsPattern("(?m)^app +running ");

        Result reload = cli(Map.of("EMPEROR_RUN_DIR", runDir.toString()), "reload", "app");
        assertThat(reload.code()).as(reload.out()).isZero();
    }

    @Test
    void statusFindsTheEmperorThroughTheRunDirOfItsSettingsFile() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        EmperorProcess e = emperor();
        e.awaitState("app", "running");
        Path settings = Files.writeString(tmp.resolve("emperor.ini"), "[emperor]\nrun-dir = " + runDir + "\n");

        Result status = cli(Map.of(), "status", "--ini", settings.toString());
        assertThat(status.code()).as(status.out()).isZero();
        assertThat(status.out()).containsPattern("(?m)^app +running ");
    }

    @Test
    void withNothingSetTheMessageListsWhereItLookedAndWhatToPass() throws Exception {
        assumeTrue(isRoot(), "run as root: root's default run dir is the only place a root CLI looks");
        assumeTrue(!Files.exists(Path.of("/run/emperor/control.sock")) && !Files.exists(Path.of("/etc/emperor/emperor.ini")),
                "an emperor service is installed on this machine; the 'nothing found' case cannot be shown here");

        Result r = cli(Map.of(), "status");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("""
                emperor: no emperor answered. Looked in:
                  /run/emperor (the default for root): no control.sock there
                Is it running? If so, pass the run dir it printed at start-up (--run-dir DIR, or\
                 EMPEROR_RUN_DIR=DIR), or the settings file it was started with (--ini FILE).
                """);
    }

    @Test
    void anotherUserWithNothingSetIsToldItTriedTheirDefaultThenTheService() throws Exception {
        assumeTrue(isRoot(), "run as root to run the CLI as nobody");
        Path jar = EmperorProcess.jar().toAbsolutePath();
        assumeTrue(Files.getPosixFilePermissions(jar).contains(PosixFilePermission.OTHERS_READ),
                "the packaged jar is not readable by other users here");
        assumeTrue(!Files.exists(Path.of("/run/emperor/control.sock")) && !Files.exists(Path.of("/tmp/emperor-65534"))
                && !Files.exists(Path.of("/etc/emperor/emperor.ini")), "an emperor or its settings are already here");
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));

        Result r = cli(Map.of(), List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), "status");

        assertThat(r.code()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains("""
                emperor: no emperor answered. Looked in:
                  /tmp/emperor-65534 (the default without XDG_RUNTIME_DIR): no control.sock there
                  /run/emperor (a service's emperor): no control.sock there
                """);
    }

    /**
     * A script starts the emperor with '&' (the shell ignores SIGINT in it), waits for it and
     * exits with its code: SIGINT must stop it gracefully, exit 0.
     */
    @Test
    void anEmperorStartedInTheBackgroundOfAScriptStopsGracefullyOnSigint() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        Path log = tmp.resolve("emperor.log");
        Path pidFile = tmp.resolve("emperor.pid");
        String java = EmperorProcess.javaBinary() + " --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:-MaxFDLimit"
                + " -jar " + EmperorProcess.jar().toAbsolutePath() + " run --run-dir " + runDir + " " + vassals;
        Process script = new ProcessBuilder("sh", "-c", java + " >" + log + " 2>&1 & echo $! >" + pidFile
                + "; wait $!").redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        long pid = -1;
        try {
            await().atMost(EmperorProcess.STARTUP).until(() -> Files.exists(pidFile)
                    && !Files.readString(pidFile).isBlank());
            pid = Long.parseLong(Files.readString(pidFile).strip());
            await("the vassal's worker").atMost(EmperorProcess.STARTUP).pollInterval(Duration.ofMillis(50))
                    .until(() -> !Processes.withMarker(marker).isEmpty());

            assertThat(new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor()).isZero();

            assertThat(script.waitFor(60, TimeUnit.SECONDS)).as("emperor exits on SIGINT:\n" + EmperorProcess.read(log))
                    .isTrue();
            assertThat(script.exitValue()).as(EmperorProcess.read(log)).isZero();
            assertThat(EmperorProcess.read(log)).contains("shutting down (SIGINT)", "all vassals stopped; bye");
            assertThat(Processes.withMarker(marker)).isEmpty();
        } finally {
            if (pid > 0) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
        }
    }

    private static boolean isRoot() throws IOException {
        return Files.readString(Path.of("/proc/self/status")).lines()
                .anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
    }
}
