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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code log-journal} through the real launcher, pump and reaper, with a datagram listener
 * standing in for journald: what arrives, what the log file gets, and that a journal that
 * does not read never holds a worker up.
 */
class JournalOutputTest {

    @TempDir
    Path tmp;

    private JournalListener journal;
    private OutputPump pump;
    private ChildReaper reaper;
    private WorkerLauncher launcher;

    @BeforeEach
    void start() throws Exception {
        journal = new JournalListener(tmp.resolve("journal.sock"));
        pump = new OutputPump(new JournalSocket(journal.path()));
        reaper = new ChildReaper();
        launcher = WorkerLauncher.install(tmp.resolve("bin"), pump);
    }

    @AfterEach
    void stop() throws Exception {
        launcher.close();
        reaper.close();
        pump.close();
        journal.close();
    }

    private record Run(long pid, CompletableFuture<ExitStatus> exit) {
    }

    private Run run(LogTarget target, String script) throws Exception {
        long pid = launcher.launch(new LaunchSpec(List.of("sh", "-c", script),
                Map.of("PATH", "/usr/bin:/bin", "EMPEROR_VASSAL", "app"), tmp, target, "[worker 1] ", ProcessLimits.NONE));
        CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        reaper.watch(pid, (p, code) -> {
            launcher.exited(p, code);
            exit.complete(code);
        });
        return new Run(pid, exit);
    }

    private static java.util.function.Predicate<Map<String, String>> message(String m) {
        return e -> m.equals(e.get("MESSAGE"));
    }

    @Test
    void eachLineIsAnEntryOfTheVassalWithItsStreamsPriorityAndTheMarkersAreEntriesToo() throws Exception {
        LogTarget target = new LogTarget(tmp.resolve("logs/app.log"), 0, 1).journal("app", false);
        Run r = run(target, "echo to stdout; echo to stderr >&2; echo '<3>an error, said so'; printf 'no newline'");
        assertThat(r.exit().get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        String pid = Long.toString(r.pid());

        Map<String, String> out = journal.awaitEntry("stdout line", message("to stdout"));
        assertThat(out).containsEntry("SYSLOG_IDENTIFIER", "app").containsEntry("SYSLOG_PID", pid)
                .containsEntry("OBJECT_PID", pid)
                .containsEntry("EMPEROR_VASSAL", "app").containsEntry("EMPEROR_WORKER", "1")
                .containsEntry("EMPEROR_STREAM", "stdout").containsEntry("PRIORITY", "6");
        assertThat(journal.awaitEntry("stderr line", message("to stderr")))
                .containsEntry("EMPEROR_STREAM", "stderr").containsEntry("PRIORITY", "5");
        assertThat(journal.awaitEntry("prefixed line", message("an error, said so"))).containsEntry("PRIORITY", "3");
        journal.awaitEntry("unfinished last line", message("no newline"));

        Map<String, String> started = journal.awaitEntry("start marker", e -> "started".equals(e.get("EMPEROR_EVENT")));
        assertThat(started).containsEntry("MESSAGE", "worker 1 started (pid " + pid + ")").containsEntry("PRIORITY", "6")
                .containsEntry("SYSLOG_PID", pid).doesNotContainKey("OBJECT_PID"); // the spawner's clone still
        Map<String, String> exited = journal.awaitEntry("exit marker", e -> "exited".equals(e.get("EMPEROR_EVENT")));
        assertThat(exited).containsEntry("MESSAGE", "worker 1 exited with code 0").containsEntry("PRIORITY", "5");
        List<Map<String, String>> all = journal.entries();
        assertThat(all.indexOf(started)).as("start marker first").isZero();
        assertThat(all.indexOf(exited)).as("exit marker last").isEqualTo(all.size() - 1);

        // journal only: no log file, yet the newest output is still kept for thread dumps
        assertThat(tmp.resolve("logs/app.log")).doesNotExist();
        await().atMost(Duration.ofSeconds(5)).until(() -> target.recent("[worker 1] ", 0).contains("to stdout"));
        assertThat(target.journal().sentLines()).isEqualTo(all.size());
        assertThat(target.journal().droppedLines()).isZero();
    }

    @Test
    void withLogtoTheFileIsWrittenToo() throws Exception {
        Path file = tmp.resolve("app.log");
        LogTarget target = new LogTarget(file, 0, 1).journal("app", true);
        Run r = run(target, "echo both places; echo also stderr >&2");
        r.exit().get(10, TimeUnit.SECONDS);
        journal.awaitEntry("stdout line", message("both places"));
        journal.awaitEntry("stderr line", message("also stderr"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file)
                && Files.readString(file).contains("--- worker 1 exited with code 0"));
        assertThat(Files.readString(file)).contains("[worker 1] both places\n", "[worker 1] also stderr\n",
                "--- worker 1 started (pid " + r.pid() + ")\n");
    }

    @Test
    void withNoJournalListeningTheFileIsWrittenInstead() throws Exception {
        journal.close();
        Files.delete(journal.path());
        Path file = tmp.resolve("logs/app.log");
        Files.createDirectories(file.getParent());
        LogTarget target = new LogTarget(file, 0, 1).journal("app", false);
        Run r = run(target, "echo safe in the file; echo stderr too >&2");
        r.exit().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file)
                && Files.readString(file).contains("--- worker 1 exited with code 0"));
        assertThat(Files.readString(file)).contains("[worker 1] safe in the file\n", "[worker 1] stderr too\n");
        assertThat(target.journal().sentLines()).isZero();
    }

    @Test
    void aJournalThatDoesNotReadNeverHoldsTheWorkerUpAndItsLossIsCountedAndNoted() throws Exception {
        journal.pause(true);
        LogTarget target = new LogTarget(tmp.resolve("logs/app.log"), 0, 1).journal("app", false);
        // 20,000 lines of 1 KiB: more than the sender's queue; a pump that waited would fill the pipe and stop the worker
        Run r = run(target, "pad=$(printf '%01000d' 0); i=0; while [ $i -lt 20000 ]; do i=$((i+1)); echo line $i $pad; done");
        assertThat(r.exit().get(30, TimeUnit.SECONDS).succeeded()).as("the worker finished printing").isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> target.journal().droppedLines() > 0);

        journal.pause(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> target.journal().sentLines()
                + target.journal().droppedLines() >= 20_000 + 1);
        // the next worker's first entry is preceded by a note of what is missing
        Run next = run(target, "echo after the storm");
        next.exit().get(10, TimeUnit.SECONDS);
        Map<String, String> note = journal.awaitEntry("drop note", e -> "dropped".equals(e.get("EMPEROR_EVENT")));
        assertThat(note.get("MESSAGE")).matches("\\d+ line\\(s\\) of this vassal's output are missing here: .*");
        assertThat(note).containsEntry("PRIORITY", "4");
        journal.awaitEntry("later line", message("after the storm"));
    }
}
