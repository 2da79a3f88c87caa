package dev.emperor.vassal.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Real workers through the real launcher, pump and reaper, each test in a temp dir of its own. */
abstract class LauncherTestBase {

    @TempDir
    Path tmp;

    OutputPump pump;
    ChildReaper reaper;
    WorkerLauncher launcher;

    @BeforeEach
    void startLauncher() throws Exception {
        pump = new OutputPump();
        reaper = new ChildReaper();
        launcher = WorkerLauncher.install(tmp.resolve("bin"), pump);
    }

    @AfterEach
    void stopLauncher() {
        launcher.close();
        reaper.close();
        pump.close();
    }

    /** Runs {@code sh -c script} as a worker of vassal "app" writing to {@code target}; a future of its exit. */
    CompletableFuture<ExitStatus> run(LogTarget target, String prefix, String script) throws Exception {
        long pid = launcher.launch(new LaunchSpec(List.of("sh", "-c", script),
                Map.of("PATH", "/usr/bin:/bin", "EMPEROR_VASSAL", "app"), tmp, target, prefix, ProcessLimits.NONE));
        CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        reaper.watch(pid, (p, code) -> exit.complete(code));
        return exit;
    }
}
