package dev.emperor.vassal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a started worker looks like from outside: its command line and where it came from;
 * and what a tenant's vassal may reach through the root emperor (only what she may reach herself).
 */
class WorkerLauncherTest extends LauncherTestBase {

    private long pid;

    @AfterEach
    void killTheWorker() { // before the base class closes the launcher
        if (pid > 0) Posix.kill(pid, Signal.KILL);
    }

    @Test
    void argv0IsTheWordAsWrittenWhileTheResolvedProgramRuns() throws Exception {
        WorkerLauncher.Launched w = launcher.start(new LaunchSpec(List.of("sleep", "3600"),
                Map.of("PATH", "/usr/bin:/bin"), tmp, new LogTarget(tmp.resolve("app.log"), 0, 1), "", ProcessLimits.NONE));
        pid = w.pid();
        reaper.watch(pid, (p, exit) -> { });
        assertThat(w.program().getFileName().toString()).isEqualTo("sleep");
        assertThat(w.program()).isAbsolute();
        Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
        // Until the exec the clone still shows the spawner's command line.
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(cmdline, StandardCharsets.UTF_8)
                .equals("sleep\0" + "3600\0"));
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")))
                .isEqualTo(w.program().toRealPath());
    }

    /**
     * Bob's files sit in a directory only he may enter. A tenant's `chdir = .../private` with
     * `command = cat notes.txt` used to print them into her log (the spawner changed directory
     * as root); now her worker fails as her, and a directory that does not exist there looks
     * the same to her as one that does.
     */
    @Test
    void aTenantsWorkerCannotEnterADirectoryOnlyRootMayEnter() throws Exception {
        try (SystemUser tenant = SystemUser.create()) {
            Path home = Files.createDirectories(tmp.resolve("tenant"));
            SystemUser.openForOthers(home);
            tenant.owns(home);
            Path bobs = Files.createDirectories(tmp.resolve("bob/private"));
            Files.writeString(bobs.resolve("notes.txt"), "bob's secret\n");
            Files.setPosixFilePermissions(bobs.getParent(), PosixFilePermissions.fromString("rwx------"));
            ProcessLimits asTenant = new ProcessLimits(Optional.of(Integer.toString(tenant.uid())), Optional.empty(),
                    OptionalInt.empty(), Map.of());

            String existing = runToTheEnd(List.of("cat", "notes.txt"), bobs, home.resolve("a.log"), asTenant);
            assertThat(existing).doesNotContain("bob's secret")
                    .contains("cannot change to directory " + bobs + ": Permission denied");

            Path missing = bobs.resolveSibling("nothing-here");
            String absent = runToTheEnd(List.of("cat", "notes.txt"), missing, home.resolve("b.log"), asTenant);
            assertThat(absent).contains("cannot change to directory " + missing + ": Permission denied");
        }
    }

    /**
     * `command = greet` with root's own tool first on PATH (a pyenv shim in /root): a tenant's
     * worker gets the copy she may run, the emperor's own vassal keeps the first one, and with
     * no copy for her the error names her uid instead of a file she may not see.
     */
    @Test
    void theProgramIsTheFirstOnPathThatTheWorkersUserMayRun() throws Exception {
        try (SystemUser tenant = SystemUser.create()) {
            Path home = Files.createDirectories(tmp.resolve("tenant"));
            SystemUser.openForOthers(home);
            tenant.owns(home);
            Path rootOnly = Files.createDirectories(tmp.resolve("root/shims"));
            Files.setPosixFilePermissions(rootOnly.getParent(), PosixFilePermissions.fromString("rwx------"));
            Path shared = Files.createDirectories(tmp.resolve("shared/bin"));
            SystemUser.openForOthers(shared);
            for (Path dir : List.of(rootOnly, shared)) {
                Path greet = Files.writeString(dir.resolve("greet"), "#!/bin/sh\necho hello from " + dir + "\n");
                Files.setPosixFilePermissions(greet, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Map<String, String> env = Map.of("PATH", rootOnly + ":" + shared);
            ProcessLimits asTenant = new ProcessLimits(Optional.of(Integer.toString(tenant.uid())), Optional.empty(),
                    OptionalInt.empty(), Map.of());

            Path log = home.resolve("greet.log");
            WorkerLauncher.Launched w = launcher.start(new LaunchSpec(List.of("greet"), env, home,
                    new LogTarget(log, 0, 1), "", asTenant));
            CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
            reaper.watch(w.pid(), (p, status) -> exit.complete(status));
            assertThat(w.program()).isEqualTo(shared.resolve("greet"));
            assertThat(exit.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log)
                    && Files.readString(log).contains("hello from " + shared));

            assertThat(WorkerLauncher.resolveProgram(new LaunchSpec(List.of("greet"), env, home,
                    new LogTarget(log, 0, 1), "", ProcessLimits.NONE))).isEqualTo(rootOnly.resolve("greet"));

            Map<String, String> rootsOnly = Map.of("PATH", rootOnly.toString());
            assertThatThrownBy(() -> launcher.start(new LaunchSpec(List.of("greet"), rootsOnly, home,
                    new LogTarget(log, 0, 1), "", asTenant)))
                    .isInstanceOf(LaunchException.class)
                    .hasMessage("program 'greet' not found on PATH (" + rootOnly + ") that uid " + tenant.uid()
                            + " may run");
            assertThatThrownBy(() -> launcher.start(new LaunchSpec(List.of(rootOnly + "/greet"), env, home,
                    new LogTarget(log, 0, 1), "", asTenant)))
                    .hasMessage("program " + rootOnly.resolve("greet") + " does not exist or is not a file uid "
                            + tenant.uid() + " may run");
        }
    }

    /** Starts a worker, waits for it to end, and returns its log once it holds its last line. */
    private String runToTheEnd(List<String> argv, Path dir, Path log, ProcessLimits limits) throws Exception {
        LogTarget target = new LogTarget(log, 0, 1);
        WorkerLauncher.Launched w = launcher.start(new LaunchSpec(argv, Map.of("PATH", "/usr/bin:/bin"), dir, target,
                "", limits));
        CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        reaper.watch(w.pid(), (p, status) -> exit.complete(status));
        assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(127));
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log)
                && Files.readString(log).contains("emperor-spawner:"));
        return Files.readString(log);
    }
}
