package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code log-journal} with the packaged emperor: a unix datagram socket stands in for
 * journald's (/run/systemd/journal/socket; the emperor is pointed at it with
 * EMPEROR_TEST_JOURNAL_SOCKET) and decodes what arrives in the native protocol. A vassal
 * prints on stdout and stderr; then the journal stops reading, then goes away, and the
 * worker must keep printing all along.
 */
class JournalTest extends EmperorTestBase {

    private static final Duration SOON = Duration.ofSeconds(30);
    private Listener journal;
    private Process emperor;
    private String statsUrl;

    @AfterEach
    void stopEmperorAndListener() throws Exception {
        if (emperor != null && emperor.isAlive()) {
            emperor.destroy(); // by its pid; the base class kills the workers by marker
            if (!emperor.waitFor(30, TimeUnit.SECONDS)) emperor.destroyForcibly().waitFor();
        }
        if (journal != null) journal.close();
    }

    @Test
    void workersOutputReachesTheJournalAsTheVassalAndANonReadingOrMissingJournalNeverStallsIt() throws Exception {
        journal = new Listener(tmp.resolve("journal.sock"));
        Path counter = tmp.resolve("counter");
        // 8 KiB lines: past the emperor's 8 MiB queue for the journal within about 1,000 of them, and a pump
        // that waited would fill the 64 KiB pipe within 8
        // (%% is a literal % after the vassal file's %-expansion)
        String script = ": " + marker + "; pad=$(printf '%%08000d' 0); echo hello from stdout; echo oops on stderr >&2;"
                + " echo '<3>said to be an error'; i=0; while :; do i=$((i+1)); echo \"tick $i $pad\";"
                + " echo $i > " + counter + "; sleep 0.002; done";
        writeVassal("app.ini", "[vassal]\nshell = true\ncommand = " + script + "\n");
        emperor = startEmperor("--vassal-set", "log-journal=true"); // set for every vassal, like any option

        Map<String, String> out = journal.await("stdout line", e -> "hello from stdout".equals(e.get("MESSAGE")));
        assertThat(out).containsEntry("SYSLOG_IDENTIFIER", "app").containsEntry("EMPEROR_VASSAL", "app")
                .containsEntry("EMPEROR_WORKER", "1").containsEntry("EMPEROR_STREAM", "stdout")
                .containsEntry("PRIORITY", "6");
        String pid = out.get("SYSLOG_PID");
        assertThat(journal.await("stderr line", e -> "oops on stderr".equals(e.get("MESSAGE"))))
                .containsEntry("EMPEROR_STREAM", "stderr").containsEntry("PRIORITY", "5").containsEntry("SYSLOG_PID", pid);
        assertThat(journal.await("prefixed line", e -> "said to be an error".equals(e.get("MESSAGE"))))
                .containsEntry("PRIORITY", "3");
        assertThat(journal.await("start marker", e -> "started".equals(e.get("EMPEROR_EVENT"))))
                .containsEntry("MESSAGE", "worker 1 started (pid " + pid + ")").containsEntry("SYSLOG_IDENTIFIER", "app");

        // the journal alone: no log file, and /stats shows none
        assertThat(runDir.resolve("logs/app.log")).doesNotExist();
        assertThat(vassal("app").path("log").path("file").isNull()).isTrue();
        // the emperor's test hook is not the worker's business
        String environ = new String(Files.readAllBytes(Path.of("/proc", pid, "environ")), StandardCharsets.UTF_8);
        assertThat(environ).doesNotContain("EMPEROR_TEST_JOURNAL_SOCKET").contains("EMPEROR_VASSAL=app");

        // a journal that stops reading: the worker keeps printing, lines are dropped and counted
        journal.pause(true);
        long atPause = count(counter);
        await("the worker prints on, 8.6 MiB past the pause").atMost(SOON)
                .until(() -> count(counter) > atPause + 1100);
        await("dropped lines in /stats").atMost(SOON)
                .until(() -> vassal("app").path("log").path("dropped_lines").asLong() > 0);
        await("the emperor's log says so").atMost(SOON).until(() -> log().contains("did not take"));

        // reading again: a note of what is missing, then the lines flow again
        journal.pause(false);
        journal.await("drop note", e -> "dropped".equals(e.get("EMPEROR_EVENT"))
                && e.get("MESSAGE").matches("\\d+ line\\(s\\) of this vassal's output are missing here: .*"));
        int seen = journal.entries().size();
        await("lines flow again").atMost(SOON).until(() -> journal.entries().size() > seen + 10);

        // a journal that is gone: still never a stall
        journal.close();
        Files.delete(journal.path());
        long atGone = count(counter);
        await("the worker prints on with no journal at all").atMost(SOON).until(() -> count(counter) > atGone + 300);
        assertThat(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive)).contains(true);
    }

    @Test
    void withNoJournalTheVassalWritesItsFileAndTheEmperorSaysWhyOnce() throws Exception {
        Path missing = tmp.resolve("no-journal.sock");
        writeVassal("app.ini", "[vassal]\ncommand = sh -c 'echo into the file; exec sleep " + marker
                + "'\nlog-journal = true\nprocesses = 2\n");
        emperor = startEmperor(missing);
        Path file = runDir.resolve("logs/app.log");
        await("the line in the vassal's file").atMost(SOON).until(() -> Files.exists(file)
                && Files.readString(file).split("into the file", -1).length == 3);
        assertThat(Files.readString(file)).contains("[worker 1] into the file", "[worker 2] into the file");
        String expected = "vassal app: log-journal = true but " + missing + " is missing";
        await("the warning").atMost(SOON).until(() -> log().contains(expected));
        assertThat(log().split(java.util.regex.Pattern.quote(expected), -1)).as("warned once for two workers").hasSize(2);
        assertThat(vassal("app").path("log").path("file").asText()).isEqualTo(file.toString());
    }

    private Process startEmperor(String... options) throws Exception {
        return startEmperor(journal.path(), options);
    }

    private Process startEmperor(Path journalSocket, String... options) throws Exception {
        Files.createDirectories(runDir);
        Path log = tmp.resolve("emperor.log");
        List<String> cmd = new ArrayList<>(List.of(EmperorProcess.javaBinary().toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-jar", EmperorProcess.jar().toString(),
                "run", "--run-dir", runDir.toString(), "--stats", "127.0.0.1:0"));
        cmd.addAll(List.of(options));
        cmd.add(vassals.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("EMPEROR_TEST_JOURNAL_SOCKET", journalSocket.toString());
        Process p = pb.start();
        emperor = p;
        statsUrl = EmperorProcess.awaitStatsUrl(p, log, SOON);
        return p;
    }

    private String log() {
        return EmperorProcess.read(tmp.resolve("emperor.log"));
    }

    private JsonNode vassal(String name) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(statsUrl + "/stats"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        for (JsonNode v : new ObjectMapper().readTree(r.body()).path("vassals")) {
            if (v.path("name").asText().equals(name)) return v;
        }
        throw new AssertionError("no vassal " + name + " in /stats: " + r.body());
    }

    /** The worker's loop counter (it rewrites the file each turn: an empty read is a turn in progress). */
    private static long count(Path counter) {
        try {
            String s = Files.readString(counter).strip();
            return s.isEmpty() ? -1 : Long.parseLong(s);
        } catch (Exception e) {
            return -1;
        }
    }

    /** journald's side: its socket, each datagram decoded as a native-protocol entry; can be paused. */
    private static final class Listener implements AutoCloseable {

        private final UnixDatagramListener<Map<String, String>> socket;

        Listener(Path path) {
            socket = new UnixDatagramListener<>(path, "journal-listener", 1 << 20, Listener::decode);
        }

        /** The native protocol: NAME=value\n, or NAME\n, a 64-bit little-endian length, the bytes, \n. */
        private static Map<String, String> decode(byte[] d) {
            Map<String, String> fields = new LinkedHashMap<>();
            ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                int start = b.position();
                int i = start;
                while (d[i] != '=' && d[i] != '\n') i++;
                String name = new String(d, start, i - start, StandardCharsets.US_ASCII);
                if (d[i] == '=') {
                    int end = i + 1;
                    while (d[end] != '\n') end++;
                    fields.put(name, new String(d, i + 1, end - i - 1, StandardCharsets.UTF_8));
                    b.position(end + 1);
                } else {
                    b.position(i + 1);
                    byte[] v = new byte[(int) b.getLong()];
                    b.get(v);
                    b.get(); // the closing newline
                    fields.put(name, new String(v, StandardCharsets.UTF_8));
                }
            }
            return fields;
        }

        Path path() {
            return socket.path();
        }

        void pause(boolean on) {
            socket.pause(on);
        }

        List<Map<String, String>> entries() {
            return socket.values();
        }

        Map<String, String> await(String what, Predicate<Map<String, String>> p) {
            Map<String, String>[] found = new Map[1];
            org.awaitility.Awaitility.await(what).atMost(SOON).pollInterval(Duration.ofMillis(20)).until(() -> {
                for (Map<String, String> e : entries()) {
                    if (p.test(e)) {
                        found[0] = e;
                        return true;
                    }
                }
                return false;
            });
            return found[0];
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
        }
    }
}
