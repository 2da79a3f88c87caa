package dev.emperor.vassal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Real workers through the real launcher: their output reaches the log, prefixed and whole. */
class OutputPumpTest extends LauncherTestBase {


    @Test
    void theEmperorsOwnLogDirectoryHoldsOnlyEachVassalsDefaultLog() {
        // Logs there are opened as the emperor: another vassal's name would let a tenant's `logto` write into it.
        LogTarget other = new LogTarget(tmp.resolve("logs/web.log"), 0, 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> run(other, "[worker 1] ", "true"))
                .isInstanceOf(LaunchException.class).hasMessageContaining("app.log");
    }

    @Test
    void prefixesEveryLineOfStdoutAndStderrWithItsWorker() throws Exception {
        LogTarget target = new LogTarget(tmp.resolve("logs/app.log"), 0, 1);
        var one = run(target, "[worker 1] ", "echo out; echo err >&2; printf 'no newline'");
        var two = run(target, "[worker 2] ", "echo second");
        assertThat(one.get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
        assertThat(two.get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> lines(target.file()).size() == 4);
        assertThat(lines(target.file())).containsExactlyInAnyOrder(
                "[worker 1] out", "[worker 1] err", "[worker 1] no newline", "[worker 2] second");
        assertThat(target.droppedLines()).isZero();
    }

    @Test
    void rotatesBeforeTheFileGrowsPastItsLimit() throws Exception {
        LogTarget target = new LogTarget(tmp.resolve("app.log"), 2_000, 3);
        run(target, "", "i=0; while [ $i -lt 300 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done")
                .get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> lines(target.file()).contains("line-299-xxxxxxxxxxxxxxxxxxxx"));
        assertThat(Files.size(target.file())).isLessThanOrEqualTo(2_000);
        assertThat(Files.size(Path.of(target.file() + ".1"))).isLessThanOrEqualTo(2_000);
        assertThat(Files.exists(Path.of(target.file() + ".3"))).isTrue();
        assertThat(Files.exists(Path.of(target.file() + ".4"))).as("keeps 3 old files").isFalse();
        assertThat(target.rotations()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void anUnwritableLogCountsDroppedLinesAndSaysWhy() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("blocked"));
        Files.createDirectory(dir.resolve("app.log")); // a directory where the file should be
        LogTarget target = new LogTarget(dir.resolve("app.log"), 0, 1);
        run(target, "", "echo a; echo b; echo c").get(10, TimeUnit.SECONDS);
        // the three lines and the emperor's start marker
        await().atMost(Duration.ofSeconds(10)).until(() -> target.droppedLines() == 4);
        assertThat(target.error()).contains("app.log");
    }

    @Test
    void aWorkerLeadsItsOwnSessionWithDefaultSignalsNoStrayDescriptorsInItsDirectory() throws Exception {
        LogTarget target = new LogTarget(tmp.resolve("env.log"), 0, 1);
        // Field 6 of /proc/self/stat is the session; the worker's pid ($$ of this sh) must lead it.
        run(target, "", "read -r _ _ _ _ _ sid _ < /proc/self/stat; [ \"$sid\" = $$ ] && echo own-session;"
                + " grep -E '^(SigIgn|SigBlk)' /proc/self/status; pwd").get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> lines(target.file()).size() >= 4);
        assertThat(lines(target.file())).containsSubsequence("own-session", "SigBlk:\t0000000000000000",
                "SigIgn:\t0000000000000000");
        assertThat(lines(target.file())).contains(tmp.toRealPath().toString());

        // Its descriptors, seen from outside once it has exec'd (a shell listing its own would
        // catch the shell's short-lived redirection copies).
        long pid = launcher.launch(new LaunchSpec(List.of("sleep", "30"), Map.of("PATH", "/usr/bin:/bin"), tmp, target,
                "", ProcessLimits.NONE));
        reaper.watch(pid, (p, code) -> { });
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> cmdline(pid).startsWith("sleep\0"));
            try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                assertThat(fds.map(p -> p.getFileName().toString())).as("only stdin, stdout, stderr")
                        .containsExactlyInAnyOrder("0", "1", "2");
            }
        } finally {
            Posix.kill(pid, Signal.KILL);
        }
    }

    @Test
    void resourceLimitsAndUmaskAreApplied() throws Exception {
        LogTarget target = new LogTarget(tmp.resolve("limits.log"), 0, 1);
        ProcessLimits limits = new ProcessLimits(java.util.Optional.empty(), java.util.Optional.empty(),
                java.util.OptionalInt.of(027), Map.of(ProcessLimits.Resource.NOFILE, 123L));
        long pid = launcher.launch(new LaunchSpec(List.of("sh", "-c", "ulimit -n; umask"), Map.of("PATH", "/usr/bin:/bin"),
                tmp, target, "", limits));
        CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        reaper.watch(pid, (p, code) -> exit.complete(code));
        assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> lines(target.file()).size() == 2);
        assertThat(lines(target.file())).containsExactly("123", "0027");
    }

    @Test
    void exitCodesAndSignalsAreReportedApart() throws Exception {
        LogTarget target = new LogTarget(tmp.resolve("codes.log"), 0, 1);
        assertThat(run(target, "", "exit 3").get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(3));
        assertThat(run(target, "", "exit 137").get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(137));
        assertThat(run(target, "", "kill -9 $$").get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.killedBy(9));
        assertThat(reaper.watched()).isZero();
    }

    @Test
    void aProgramThatCannotRunEndsWith127AndSaysWhyInTheLog() throws Exception {
        LogTarget target = new LogTarget(tmp.resolve("bad.log"), 0, 1);
        Path notExecutable = Files.writeString(tmp.resolve("script"), "#!/nonexistent/interpreter\n");
        notExecutable.toFile().setExecutable(true);
        long pid = launcher.launch(new LaunchSpec(List.of("./script"), Map.of(), tmp, target, "", ProcessLimits.NONE));
        CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        reaper.watch(pid, (p, code) -> exit.complete(code));
        assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(127));
        await().atMost(Duration.ofSeconds(10)).until(() -> !lines(target.file()).isEmpty());
        assertThat(lines(target.file()).get(0)).startsWith("emperor-spawner: cannot run " + tmp.resolve("script"))
                .contains("No such file or directory");
    }

    @Test
    void workersAreChildrenOfTheEmperorAndASpawnerKilledByHandIsReplaced() throws Exception {
        LogTarget target = new LogTarget(tmp.resolve("spawner.log"), 0, 1);
        long me = ProcessHandle.current().pid();
        long first = launcher.launch(new LaunchSpec(List.of("sleep", "30"), Map.of("PATH", "/usr/bin:/bin"), tmp,
                target, "", ProcessLimits.NONE));
        assertThat(ProcessHandle.of(first).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)).contains(me);
        ProcessHandle spawner = ProcessHandle.current().children()
                .filter(p -> p.pid() != first) // until its exec, the worker shows the spawner's command line
                .filter(p -> cmdline(p.pid()).equals("emperor-spawner\0" + me + "\0")).findFirst().orElseThrow();
        // Run from the emperor's own descriptor, not from a file anyone could replace.
        assertThat(Files.readSymbolicLink(Path.of("/proc/" + spawner.pid() + "/exe")).toString())
                .startsWith("/memfd:emperor-spawner");
        // It holds nothing of the emperor's but its socket: no log file, no agent connection
        // (the worker's pipe, fd 4, only until the worker has exec'd, which may be just after its pid came).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (var fds = Files.list(Path.of("/proc/" + spawner.pid() + "/fd"))) {
                assertThat(fds.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("0", "1", "2", "3");
            }
        });
        spawner.destroyForcibly();
        // Dead but not yet reaped (the launcher reaps it when it next needs it): a zombie.
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(Path.of("/proc/" + spawner.pid() + "/stat"))
                .replaceFirst(".*\\) ", "").startsWith("Z"));

        long second = launcher.launch(new LaunchSpec(List.of("sleep", "30"), Map.of("PATH", "/usr/bin:/bin"), tmp,
                target, "", ProcessLimits.NONE));
        assertThat(ProcessHandle.of(second).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)).contains(me);
        assertThat(ProcessHandle.of(spawner.pid())).isEmpty(); // reaped
        assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive)).contains(true);
        for (long pid : new long[] {first, second}) {
            CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
            reaper.watch(pid, (p, code) -> exit.complete(code));
            Posix.kill(pid, Signal.KILL);
            assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.killedBy(9));
        }
    }

    private static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline"));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** What the workers wrote, without the emperor's start and exit marker lines ({@code --- ...}). */
    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.contains("--- ")).toList()
                    : List.of();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
