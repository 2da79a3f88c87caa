package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The emperor raises its own soft descriptor limit, and its workers keep the one it was
 * started with: under systemd's 1024:524288 a worker must not get 524288 (select() breaks, loops
 * over every fd slow down). Started through bin/emperor, as users and the service unit do,
 * under {@code prlimit --nofile=256:4096}.
 */
class DescriptorLimitTest extends EmperorTestBase {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Process emperor;

    @AfterEach
    void stopEmperor() throws Exception {
        if (emperor != null && emperor.isAlive()) {
            emperor.destroy();
            if (!emperor.waitFor(60, TimeUnit.SECONDS)) emperor.destroyForcibly().waitFor();
        }
        // the workers (marked) are killed by EmperorTestBase
    }

    @Test
    void workersKeepTheSoftLimitTheEmperorWasStartedWithUnlessTheySetOne() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")),
                "prlimit (util-linux) is needed to start the emperor with a given descriptor limit");
        Path launcher = Path.of(System.getProperty("emperor.root", "../..")).resolve("bin/emperor");
        writeVassal("plain.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        writeVassal("own.ini", "[vassal]\ncommand = sleep " + marker + "\nlimit-nofile = 300\n");
        Files.createDirectories(runDir);
        Path log = tmp.resolve("emperor.log");
        emperor = new ProcessBuilder(List.of("/usr/bin/prlimit", "--nofile=256:4096", "--", launcher.toString(), "run",
                "--run-dir", runDir.toString(), "--stats", "127.0.0.1:0", vassals.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String url = statsUrl(log);

        long plain = workerPid(url, "plain");
        long own = workerPid(url, "own");

        assertThat(openFiles(emperor.pid())).as("the emperor's own limit, raised to the hard one").containsExactly(
                4096L, 4096L);
        assertThat(openFiles(plain)).as("a worker without limit-nofile").containsExactly(256L, 4096L);
        assertThat(openFiles(own)).as("a worker with limit-nofile = 300").containsExactly(300L, 300L);
        assertThat(EmperorProcess.read(log)).contains("file descriptor limit raised from 256 to 4096");
    }

    /** Soft and hard "Max open files" in /proc/PID/limits. */
    private static List<Long> openFiles(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
            if (line.startsWith("Max open files")) {
                String[] words = line.substring("Max open files".length()).trim().split("\\s+");
                return List.of(Long.parseLong(words[0]), Long.parseLong(words[1]));
            }
        }
        throw new AssertionError("no 'Max open files' line for pid " + pid);
    }

    private String statsUrl(Path log) {
        return EmperorProcess.awaitStatsUrl(emperor, log, Duration.ofSeconds(120));
    }

    private long workerPid(String url, String vassal) {
        long[] pid = new long[1];
        await("a worker of " + vassal).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode root = new ObjectMapper().readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url + "/stats"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body());
            for (JsonNode v : root.path("vassals")) {
                if (!v.path("name").asText().equals(vassal)) continue;
                for (JsonNode w : v.path("workers")) {
                    if (w.path("pid").isNumber()) pid[0] = w.path("pid").asLong();
                }
            }
            return pid[0] != 0;
        });
        return pid[0];
    }
}
