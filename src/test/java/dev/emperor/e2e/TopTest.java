package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code emperor top} as an operator uses it: in an 80x24 terminal (a detached tmux session of
 * its own, on a tmux server of its own), with real keys, against the packaged emperor and real
 * processes; then q gives the shell back with the terminal's settings as they were.
 */
class TopTest extends EmperorTestBase {

    private static final Path TMUX = Path.of("/usr/bin/tmux");
    private static final Duration SOON = Duration.ofSeconds(30);
    private String session;

    @BeforeEach
    void needsTmux() {
        Assumptions.assumeTrue(Files.isExecutable(TMUX), "tmux is not installed (/usr/bin/tmux): apt-get install tmux");
        session = "emperor-top-" + marker.replace('.', '-');
    }

    @AfterEach
    void killTheSessionAndTop() throws Exception {
        if (session == null) return;
        // top and anything else the pane's shell still runs, by pid, then the session
        for (String pid : tmuxOut("list-panes", "-s", "-t", session, "-F", "#{pane_pid}").lines().toList()) {
            if (!pid.matches("[0-9]+")) continue;
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(shell -> {
                shell.descendants().forEach(ProcessHandle::destroyForcibly);
                shell.destroyForcibly();
            });
        }
        tmuxOut("kill-session", "-t", session);
    }

    @Test
    void topShowsTheVassalsExpandsSortsFollowsARespawnAndGivesTheTerminalBack() throws Exception {
        writeVassal("web.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 2\nready-after = 0.2\n");
        writeVassal("other.ini", "[vassal]\ncommand = sleep " + marker + "\nready-after = 0.2\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("web", "running");
        emperor.awaitState("other", "running");
        List<Long> web = emperor.pids("web");
        assertThat(web).hasSize(2);

        Path before = tmp.resolve("stty-before");
        Path after = tmp.resolve("stty-after");
        tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24",
                "env PS1='top-test$ ' bash --norc --noprofile");
        String runTop = String.join(" ", "stty -g >", before.toString() + ";",
                EmperorProcess.javaBinary().toString(), "-jar", EmperorProcess.jar().toAbsolutePath().toString(),
                "top --run-dir", runDir.toString() + "; code=$?; stty -g >", after.toString() + "; echo top-exit=$code");
        type(runTop);
        keys("Enter");

        // a row per vassal, by name, the first selected; every column fits in 80
        List<String> screen = awaitScreen("both vassal rows", s -> row(s, "other").isPresent()
                && row(s, "web").filter(r -> r.contains("2/2")).isPresent());
        assertThat(screen.get(1)).contains("NAME", "STATE", "WRK", "HEALTH", "RST", "UPTIME", "CPU%", "RSS", "HEAP",
                "BEAT");
        assertThat(row(screen, "other").orElseThrow()).startsWith(">+ other").contains("running", "1/1");
        assertThat(index(screen, "other")).isLessThan(index(screen, "web"));

        // j then Enter: web opens, a row per worker with its pid
        keys("j", "Enter");
        awaitScreen("web's workers", s -> row(s, "web").filter(r -> r.startsWith(">- web")).isPresent()
                && s.stream().anyMatch(l -> l.contains("#1 pid " + web.get(0)) && l.contains("running"))
                && s.stream().anyMatch(l -> l.contains("#2 pid " + web.get(1))));

        // s three times: name, state, cpu, rss: web (two processes) above other, still selected
        keys("s", "s", "s");
        screen = awaitScreen("sorted by rss", s -> s.get(s.size() - 1).contains("sort (rss)"));
        assertThat(index(screen, "web")).isLessThan(index(screen, "other"));
        assertThat(row(screen, "web").orElseThrow()).startsWith(">- web");

        // a worker killed: the emperor respawns it and top shows its new pid
        ProcessHandle.of(web.get(0)).orElseThrow().destroyForcibly();
        long respawned = await("worker 1 respawned").atMost(SOON).pollInterval(Duration.ofMillis(100))
                .until(() -> emperor.pids("web"), p -> p.size() == 2 && !p.contains(web.get(0))).get(0);
        awaitScreen("the new pid", s -> s.stream().anyMatch(l -> l.contains("#1 pid " + respawned)));

        // the emperor gone: top says so and keeps going; q still quits
        assertThat(emperor.stop()).isZero();
        awaitScreen("the emperor gone", s -> s.get(0).startsWith("emperor not answering since"));
        keys("q");
        screen = awaitScreen("the shell back", s -> s.stream().anyMatch(l -> l.equals("top-exit=0"))
                && s.get(s.size() - 1).startsWith("top-test$"));
        assertThat(String.join("", screen)).as("the primary screen is back, with the command typed")
                .contains("stty -g >");
        assertThat(Files.readString(after)).as("stty settings after top").isEqualTo(Files.readString(before));

        // Ctrl-C (SIGINT) restores the terminal as well
        Files.delete(after);
        type(runTop);
        keys("Enter");
        awaitScreen("top again, with no emperor", s -> s.get(0).startsWith("emperor not answering since"));
        keys("C-c");
        awaitScreen("the shell back after Ctrl-C", s -> s.stream().anyMatch(l -> l.equals("top-exit=130"))
                && s.get(s.size() - 1).startsWith("top-test$"));
        assertThat(Files.readString(after)).as("stty settings after Ctrl-C").isEqualTo(Files.readString(before));
    }

    @Test
    void withoutATerminalTopPrintsOneFrameAndExitsAndSaysSoWhenNoEmperorAnswers() throws Exception {
        writeVassal("web.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 2\nready-after = 0.2\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("web", "running");
        List<Long> web = emperor.pids("web");

        String[] frame = runTop("web");
        assertThat(frame[0]).isEqualTo("0");
        List<String> lines = frame[1].lines().toList();
        assertThat(lines).as(frame[1]).hasSize(5).allSatisfy(l -> assertThat(l).doesNotContain("\033"));
        assertThat(lines.get(0)).startsWith("emperor pid " + emperor.pid()).contains("1 vassal: 1 running");
        assertThat(lines.get(2)).startsWith(" - web").contains("running", "2/2");
        assertThat(lines.get(3)).contains("#1 pid " + web.get(0));
        assertThat(lines.get(4)).contains("#2 pid " + web.get(1));

        assertThat(emperor.stop()).isZero();
        String[] none = runTop();
        assertThat(none[0]).isEqualTo("1");
        assertThat(none[1]).startsWith("emperor: no emperor answered. Looked in:").contains(runDir.toString());
    }

    /** {@code emperor top ARGS} with stdout a pipe: its exit code and output (stderr included). */
    private String[] runTop(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(EmperorProcess.javaBinary().toString(), "-jar",
                EmperorProcess.jar().toAbsolutePath().toString(), "top", "--run-dir", runDir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("top without a terminal did not exit: " + out);
        }
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    private static java.util.Optional<String> row(List<String> screen, String vassal) {
        return screen.stream().filter(l -> l.matches("[ >][+-] " + vassal + " .*")).findFirst();
    }

    private static int index(List<String> screen, String vassal) {
        return screen.indexOf(row(screen, vassal).orElseThrow());
    }

    private void type(String text) throws IOException, InterruptedException {
        tmux("send-keys", "-t", session, "-l", text);
    }

    private void keys(String... keys) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", session));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    /** The pane's lines (trailing blank ones dropped) once {@code condition} holds; fails with the screen. */
    private List<String> awaitScreen(String what, java.util.function.Predicate<List<String>> condition) {
        List<String> last = new ArrayList<>();
        try {
            return await(what).atMost(SOON).pollInterval(Duration.ofMillis(100)).until(() -> {
                List<String> lines = new ArrayList<>(tmuxOut("capture-pane", "-p", "-t", session).lines().toList());
                while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) lines.remove(lines.size() - 1);
                last.clear();
                last.addAll(lines);
                return lines;
            }, lines -> !lines.isEmpty() && condition.test(lines));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(what + " never appeared; the screen was:\n" + String.join("\n", last), e);
        }
    }

    private void tmux(String... args) throws IOException, InterruptedException {
        tmuxOut(args);
    }

    /** Runs tmux on this test's own server, its socket in the temp dir: never the user's server. */
    private String tmuxOut(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(TMUX.toString(), "-S", tmp.resolve("tmux.sock").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("TMUX"); // the test may itself run inside tmux
        pb.environment().put("TERM", "xterm-256color");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("tmux " + String.join(" ", args) + " did not finish");
        }
        return out;
    }
}
