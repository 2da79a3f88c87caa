package dev.emperor.vassal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a started worker looks like from outside: its command line and where it came from. */
class WorkerLauncherTest {

    @TempDir
    Path tmp;

    private OutputPump pump;
    private ChildReaper reaper;
    private WorkerLauncher launcher;
    private long pid;

    @BeforeEach
    void start() throws Exception {
        pump = new OutputPump();
        reaper = new ChildReaper();
        launcher = WorkerLauncher.install(tmp.resolve("bin"), pump);
    }

    @AfterEach
    void stop() {
        if (pid > 0) Posix.kill(pid, Signal.KILL);
        launcher.close();
        reaper.close();
        pump.close();
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
}
