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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The packaged emperor never goes blind. Under a small file descriptor limit (256, as
 * {@code prlimit} sets it for the java command) with more vassals than fit, the vassals that
 * do not fit wait with a clear error, removed files stop their vassals, the waiting ones start
 * once descriptors are free, and no process of a removed vassal is left. A Kubernetes
 * ConfigMap update (a rename of {@code ..data}) is seen at once and reloads only what changed.
 */
class NeverBlindTest extends EmperorTestBase {

    private static final int LIMIT = 256;
    private static final int VASSALS = 90;
    private static final int REMOVED = 45;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Process emperor;
    private final Set<Long> seenPids = new HashSet<>();

    @AfterEach
    void stopEmperor() throws Exception {
        if (emperor != null && emperor.isAlive()) {
            emperor.destroy();
            if (!emperor.waitFor(60, TimeUnit.SECONDS)) emperor.destroyForcibly().waitFor();
        }
        for (long pid : seenPids) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void withMoreVassalsThanDescriptorsItHoldsSomeAndStillActsOnEveryChange() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")),
                "prlimit (util-linux) is needed to start the emperor with a small descriptor limit");
        for (int i = 0; i < VASSALS; i++) {
            writeVassal(String.format("v%03d.ini", i), "[vassal]\ncommand = sleep " + marker + "\n");
        }
        String url = start();

        // Some run, the rest wait with the reason; the emperor still answers and knows its limit.
        await("every vassal running or waiting for descriptors").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    Map<String, JsonNode> v = vassals(url);
                    return v.size() == VASSALS && v.values().stream().allMatch(n -> isRunning(n) || isWaiting(n));
                });
        JsonNode stats = stats(url);
        assertThat(stats.path("emperor").path("fd_limit").asLong()).isEqualTo(LIMIT);
        assertThat(stats.path("emperor").path("fds_in_use").asInt()).isBetween(1, LIMIT);
        assertThat(stats.path("emperor").path("internal_errors").asLong()).isZero();
        Map<String, JsonNode> first = vassals(url);
        long waiting = first.values().stream().filter(NeverBlindTest::isWaiting).count();
        assertThat(waiting).as("vassals held back by the descriptor budget").isPositive();
        assertThat(first.values().stream().filter(NeverBlindTest::isWaiting).findFirst().orElseThrow()
                .path("error").asText()).matches("file descriptor limit reached \\(\\d+ of " + LIMIT
                + " in use\\); raise LimitNOFILE");

        // Remove half of the files: every removed vassal stops, every other one ends up running.
        Map<String, List<Long>> removedPids = new HashMap<>();
        for (int i = 0; i < REMOVED; i++) {
            String name = String.format("v%03d", i);
            removedPids.put(name, pids(first.get(name)));
            Files.delete(vassals.resolve(name + ".ini"));
        }
        await("the removed vassals gone and the rest running").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    Map<String, JsonNode> v = vassals(url);
                    return v.size() == VASSALS - REMOVED && v.values().stream().allMatch(NeverBlindTest::isRunning);
                });
        Map<String, JsonNode> now = vassals(url);
        for (int i = REMOVED; i < VASSALS; i++) {
            assertThat(now).containsKey(String.format("v%03d", i));
        }

        // Nothing stray: the removed vassals' workers are gone, and every process carrying the
        // marker is a live worker of a listed vassal.
        Set<Long> live = new HashSet<>();
        now.values().forEach(v -> live.addAll(pids(v)));
        assertThat(live).hasSize(VASSALS - REMOVED);
        removedPids.values().stream().flatMap(List::stream).forEach(pid ->
                await("pid " + pid + " of a removed vassal gone").atMost(Duration.ofSeconds(10))
                        .until(() -> !Processes.alive(pid)));
        assertThat(Processes.withMarker(marker).stream().map(ProcessHandle::pid).toList())
                .containsExactlyInAnyOrderElementsOf(live);
        assertThat(stats(url).path("emperor").path("directories").get(0).path("listable").asBoolean()).isTrue();
    }

    @Test
    void aConfigMapUpdateIsSeenAtOnceAndReloadsOnlyTheFilesThatChanged() throws Exception {
        Path v1 = configMapVersion("..2026_12_02_08_00_00.001", "1");
        Files.createSymbolicLink(vassals.resolve("..data"), v1.getFileName());
        Files.createSymbolicLink(vassals.resolve("app.ini"), Path.of("..data/app.ini"));
        Files.createSymbolicLink(vassals.resolve("other.ini"), Path.of("..data/other.ini"));
        EmperorProcess e = emperor("--rescan", "3600"); // only inotify can see the update in time
        e.awaitState("app", "running");
        e.awaitState("other", "running");
        long app = e.pids("app").get(0);
        long other = e.pids("other").get(0);
        assertThat(e.stats().path("vassals")).hasSize(2); // dot entries are never vassals

        // kubelet's update: a new timestamped directory, a new ..data renamed over the old one.
        Path v2 = configMapVersion("..2026_12_02_08_05_00.002", "2");
        Path tmpLink = Files.createSymbolicLink(vassals.resolve("..data_tmp"), v2.getFileName());
        Files.move(tmpLink, vassals.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        await("app reloaded onto the new version").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> !e.pids("app").isEmpty() && e.pids("app").get(0) != app
                        && e.vassal("app").map(v -> v.path("state").asText().equals("running")).orElse(false));
        assertThat(e.pids("other")).containsExactly(other);
        assertThat(Processes.alive(other)).isTrue();
        await("the old app worker gone").atMost(Duration.ofSeconds(10)).until(() -> !Processes.alive(app));
    }

    /** One ConfigMap version: app.ini's content differs per version, other.ini's does not. */
    private Path configMapVersion(String dirName, String version) throws IOException {
        Path dir = Files.createDirectory(vassals.resolve(dirName));
        Files.writeString(dir.resolve("app.ini"), "[vassal]\ncommand = sleep " + marker + "\nready-after = 0.2\n"
                + "env = VERSION=" + version + "\n");
        Files.writeString(dir.resolve("other.ini"), "[vassal]\ncommand = sleep " + marker + "\nready-after = 0.2\n");
        return dir;
    }

    private static boolean isRunning(JsonNode v) {
        return v.path("state").asText().equals("running");
    }

    private static boolean isWaiting(JsonNode v) {
        return v.path("state").asText().equals("backoff") && v.path("error").asText().startsWith("file descriptor limit");
    }

    private static List<Long> pids(JsonNode v) {
        List<Long> pids = new ArrayList<>();
        if (v != null) v.path("workers").forEach(w -> {
            if (w.path("pid").isNumber()) pids.add(w.path("pid").asLong());
        });
        return pids;
    }

    /** Starts the packaged emperor under {@code prlimit --nofile=LIMIT:LIMIT}; returns its stats URL. */
    private String start() throws IOException {
        Files.createDirectories(runDir);
        Path log = tmp.resolve("emperor.log");
        List<String> cmd = List.of("/usr/bin/prlimit", "--nofile=" + LIMIT + ":" + LIMIT, "--",
                EmperorProcess.javaBinary().toString(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:-MaxFDLimit",
                "-jar", EmperorProcess.jar().toString(), "run", "--run-dir", runDir.toString(),
                "--stats", "127.0.0.1:0", vassals.toString());
        emperor = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        return EmperorProcess.awaitStatsUrl(emperor, log, EmperorProcess.STARTUP);
    }

    private JsonNode stats(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/stats"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode root = JSON.readTree(r.body());
        root.path("vassals").forEach(v -> seenPids.addAll(pids(v)));
        return root;
    }

    private Map<String, JsonNode> vassals(String url) throws IOException, InterruptedException {
        Map<String, JsonNode> byName = new HashMap<>();
        stats(url).path("vassals").forEach(v -> byName.put(v.path("name").asText(), v));
        return byName;
    }
}
