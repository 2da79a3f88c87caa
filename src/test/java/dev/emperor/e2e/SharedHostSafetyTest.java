package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A local user with an ordinary account attacks a root emperor on a shared machine: through
 * the run dir she created first, through the spawner in it, through the log of her own
 * vassal. None of it gets her anything; each refusal says why.
 */
class SharedHostSafetyTest extends EmperorTestBase {

    private static final Duration SOON = Duration.ofSeconds(30);

    /** Runs {@code emperor run} and returns its exit code and output; it must not start. */
    private Result refusedRun(Path runDir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(EmperorProcess.javaBinary().toString(), "--enable-native-access=ALL-UNNAMED",
                "-jar", EmperorProcess.jar().toString(), "run", "--run-dir", runDir.toString(), vassals.toString())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the emperor ran with an unsafe run dir:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    private record Result(int exitCode, String output) {
    }

    @Test
    void aRunDirAnotherUserCreatedFirstIsRefused() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        try (TenantAccount tenant = TenantAccount.create()) {
            Path planted = Files.createDirectories(tmp.resolve("emperor-0"));
            Files.createDirectories(planted.resolve("bin"));
            tenant.owns(planted);
            Result r = refusedRun(planted);
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.output()).contains("unsafe run dir").contains(planted.toString())
                    .contains("owned by uid " + tenant.uid()).doesNotContain("Exception");
            assertThat(Processes.withMarker(marker)).isEmpty();
        }
    }

    @Test
    void aRunDirOrLogDirWritableByOthersIsRefusedAndLeftAsItIs() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Result r = refusedRun(open);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("unsafe run dir").contains("writable by group or others (mode 777)");
        assertThat(Files.getPosixFilePermissions(open)).isEqualTo(PosixFilePermissions.fromString("rwxrwxrwx"));

        Path run = Files.createDirectories(tmp.resolve("run2"));
        Path logs = Files.createDirectories(run.resolve("logs"));
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxrwxrwx"));
        Result r2 = refusedRun(run);
        assertThat(r2.exitCode()).isEqualTo(2);
        assertThat(r2.output()).contains("log dir " + logs).contains("writable by group or others");
        assertThat(Processes.withMarker(marker)).isEmpty();
    }

    @Test
    void aRunDirThatIsASymlinkIsRefused() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(tmp.resolve("run-link"), target);
        Result r = refusedRun(link);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("is a symbolic link");
        try (var left = Files.list(target)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aSpawnerPlantedInTheRunDirNeverRuns() throws Exception {
        Path owned = tmp.resolve("owned");
        Path bin = Files.createDirectories(runDir.resolve("bin"));
        Path fake = bin.resolve("emperor-spawner");
        Files.writeString(fake, "#!/bin/sh\ntouch " + owned + "\nexec sleep 1\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        EmperorProcess e = emperor();
        e.awaitState("app", "running");
        long spawner = ProcessHandle.of(e.pid()).orElseThrow().children()
                .filter(p -> cmdline(p.pid()).startsWith("emperor-spawner\0")).findFirst().orElseThrow().pid();
        // It runs from the emperor's own descriptor (a sealed memfd), not from a file in bin/.
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(spawner), "exe")).toString())
                .startsWith("/memfd:emperor-spawner");
        assertThat(owned).doesNotExist();
    }

    @Test
    void argv0IsTheCommandAsWrittenAndStatsStillNamesTheWorker() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        EmperorProcess e = emperor();
        e.awaitState("app", "running");
        long pid = e.pids("app").get(0);
        await().atMost(SOON).until(() -> cmdline(pid).equals("sleep\0" + marker + "\0"));
        // The resolved program stays visible in /stats, and it is the file the process runs.
        String program = e.vassal("app").orElseThrow().path("workers").path(0).path("program").asText();
        assertThat(program).startsWith("/").endsWith("/sleep");
        assertThat(Path.of("/proc/" + pid + "/exe").toRealPath()).isEqualTo(Path.of(program).toRealPath());
    }

    @Test
    void aTenantsLogSymlinkedToARootFileLeavesTheRootFileUntouched() throws Exception {
        try (TenantAccount tenant = TenantAccount.create()) {
            Path rootFile = Files.writeString(tmp.resolve("root-profile"), "# root's shell profile\n");
            Files.setPosixFilePermissions(rootFile, PosixFilePermissions.fromString("rw-------"));
            Path home = Files.createDirectories(tmp.resolve("home-tenant"));
            TenantAccount.passable(home);
            Path log = home.resolve("app.log");
            Files.createSymbolicLink(log, rootFile);
            tenant.owns(home);
            writeVassal("app.ini", "[vassal]\ncommand = sh -c \"echo '; touch " + tmp.resolve("pwned")
                    + "; #'; exec sleep " + marker + "\"\nuid = " + tenant.name() + "\nlogto = " + log + "\n");
            EmperorProcess e = emperor();
            try {
                e.awaitState("app", "running");
                JsonNode[] v = new JsonNode[1];
                await().atMost(SOON).until(() -> {
                    v[0] = e.vassal("app").orElseThrow();
                    return !v[0].path("log").path("error").isNull();
                });
                assertThat(v[0].path("log").path("error").asText()).contains(log.toString()).contains("symbolic link");
                assertThat(Files.readString(rootFile)).isEqualTo("# root's shell profile\n");
                assertThat(e.log()).contains("log " + log).contains("symbolic link");
                assertThat(Files.isSymbolicLink(log)).isTrue();
                assertThat(tmp.resolve("pwned")).doesNotExist();
            } finally {
                e.close(); // the tenant's processes end before her account does
            }
        }
    }

    private static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
        } catch (IOException e) {
            return "";
        }
    }
}
