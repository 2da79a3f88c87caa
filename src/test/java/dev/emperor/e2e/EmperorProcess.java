package dev.emperor.e2e;

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
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged emperor ({@code emperor/target/emperor.jar}) running as a real process against
 * a temp directory. Remembers every worker pid it has seen in /stats so that {@link #close}
 * can make sure none survives the test, whatever the test did.
 */
final class EmperorProcess implements AutoCloseable {

    static final Duration STARTUP = Duration.ofSeconds(30);
    private static final Pattern STATS_URL = Pattern.compile("stats on (http://[0-9.]+:[0-9]+)/");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path log;
    private final Path runDir;
    private final String statsUrl;
    private final Set<Long> seenPids = new HashSet<>();

    private EmperorProcess(Process process, Path log, Path runDir, String statsUrl) {
        this.process = process;
        this.log = log;
        this.runDir = runDir;
        this.statsUrl = statsUrl;
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("emperor.jar", "../../emperor/target/emperor.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("packaged emperor not found at " + jar + "; run 'mvn verify' from the root");
        }
        return jar;
    }

    static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** Starts {@code emperor run} on {@code vassals} with stats on an ephemeral port. */
    static EmperorProcess start(Path vassals, Path runDir, String... options) throws IOException {
        Files.createDirectories(runDir);
        Path log = runDir.getParent().resolve("emperor-" + System.nanoTime() + ".log");
        List<String> cmd = new ArrayList<>(List.of(javaBinary().toString(), "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-XX:-MaxFDLimit", "-jar", jar().toString(), "run", "--run-dir", runDir.toString(),
                "--stats", "127.0.0.1:0"));
        cmd.addAll(List.of(options));
        // never the machine's /var/lib/emperor: a test's stopped vassals stay in its temp dir
        if (!List.of(options).contains("--state-dir")) {
            cmd.addAll(List.of("--state-dir", runDir.resolveSibling(runDir.getFileName() + "-state").toString()));
        }
        cmd.add(vassals.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String url;
        try {
            url = awaitStatsUrl(p, log, STARTUP);
        } catch (RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
        return new EmperorProcess(p, log, runDir, url);
    }

    /** The stats URL an emperor started with {@code --stats 127.0.0.1:0} prints, once it does; fails if it exits first. */
    static String awaitStatsUrl(Process emperor, Path log, Duration within) {
        String[] url = new String[1];
        await("emperor serving stats").atMost(within).pollInterval(Duration.ofMillis(20)).until(() -> {
            if (!emperor.isAlive()) {
                throw new IllegalStateException("emperor exited with " + emperor.exitValue() + ":\n" + read(log));
            }
            Matcher m = STATS_URL.matcher(read(log));
            if (m.find()) url[0] = m.group(1);
            return url[0] != null;
        });
        return url[0];
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    Path runDir() {
        return runDir;
    }

    String log() {
        return read(log);
    }

    JsonNode stats() {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(statsUrl + "/stats"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode root = JSON.readTree(r.body());
            for (JsonNode v : root.path("vassals")) {
                for (JsonNode w : v.path("workers")) {
                    if (w.path("pid").isNumber()) seenPids.add(w.path("pid").asLong());
                }
            }
            return root;
        } catch (IOException e) {
            throw new IllegalStateException("GET /stats failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(statsUrl + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    Optional<JsonNode> vassal(String name) {
        for (JsonNode v : stats().path("vassals")) {
            if (v.path("name").asText().equals(name)) return Optional.of(v);
        }
        return Optional.empty();
    }

    /** Waits until vassal {@code name} is in {@code state} with all workers alive; returns it. */
    JsonNode awaitState(String name, String state) {
        JsonNode[] found = new JsonNode[1];
        await("vassal " + name + " " + state).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .until(() -> {
                    found[0] = vassal(name).orElse(null);
                    return found[0] != null && found[0].path("state").asText().equals(state);
                });
        return found[0];
    }

    /** The pids of the vassal's live workers, in worker order. */
    List<Long> pids(String name) {
        List<Long> pids = new ArrayList<>();
        vassal(name).ifPresent(v -> v.path("workers").forEach(w -> {
            if (w.path("pid").isNumber()) pids.add(w.path("pid").asLong());
        }));
        return pids;
    }

    /** SIGTERM: what Ctrl-C, systemd and kill(1) ask of the emperor. */
    void terminate() {
        process.destroy();
    }

    /** SIGKILL: the emperor dies with no chance to clean up. */
    void kill() {
        process.destroyForcibly();
    }

    /** Gracefully stops the emperor and returns its exit code. */
    int stop() throws IOException, InterruptedException {
        if (process.isAlive()) terminate();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("emperor did not exit within 60 s of SIGTERM:\n" + log());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            terminate();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
        for (long pid : seenPids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
