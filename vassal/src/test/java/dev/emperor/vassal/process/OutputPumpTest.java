package dev.emperor.vassal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputPumpTest {

    @TempDir
    Path tmp;

    private Process run(OutputPump pump, LogTarget target, String prefix, String script) throws Exception {
        OutputPump.PendingOutput out = pump.prepare();
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.path().toFile())).start();
        pump.attach(out, target, prefix);
        assertThat(Files.exists(out.path())).as("the FIFO's name is gone once the worker runs").isFalse();
        return p;
    }

    @Test
    void prefixesEveryLineOfStdoutAndStderrWithItsWorker() throws Exception {
        LogTarget target = new LogTarget(tmp.resolve("logs/app.log"), 0, 1);
        try (OutputPump pump = new OutputPump(tmp.resolve("fifo"))) {
            Process one = run(pump, target, "[worker 1] ", "echo out; echo err >&2; printf 'no newline'");
            Process two = run(pump, target, "[worker 2] ", "echo second");
            one.waitFor();
            two.waitFor();
            await().atMost(Duration.ofSeconds(10)).until(() -> lines(target.file()).size() == 4);
        }
        assertThat(lines(target.file())).containsExactlyInAnyOrder(
                "[worker 1] out", "[worker 1] err", "[worker 1] no newline", "[worker 2] second");
        assertThat(target.droppedLines()).isZero();
    }

    @Test
    void rotatesBeforeTheFileGrowsPastItsLimit() throws Exception {
        LogTarget target = new LogTarget(tmp.resolve("app.log"), 2_000, 3);
        try (OutputPump pump = new OutputPump(tmp.resolve("fifo"))) {
            Process p = run(pump, target, "", "i=0; while [ $i -lt 300 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done");
            p.waitFor();
            await().atMost(Duration.ofSeconds(10)).until(() -> lines(target.file()).contains("line-299-xxxxxxxxxxxxxxxxxxxx"));
        }
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
        try (OutputPump pump = new OutputPump(tmp.resolve("fifo"))) {
            Process p = run(pump, target, "", "echo a; echo b; echo c");
            p.waitFor();
            await().atMost(Duration.ofSeconds(10)).until(() -> target.droppedLines() == 3);
        }
        assertThat(target.error()).contains("app.log");
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
