package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * /metrics as Prometheus scrapes it, against the packaged emperor and real workers: a JVM with
 * the agent, Python with the example agent, a plain process without one, and a program that
 * does not exist. Both exposition formats; promtool on the text one.
 */
class MetricsTest extends EmperorTestBase {

    private static final Duration SOON = Duration.ofSeconds(60);
    private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private static final Pattern STATS_URL = Pattern.compile("stats on (http://[0-9.]+:[0-9]+)/");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*})? (\\S+)$");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void everyWorkerAndVassalIsInMetricsInBothFormats() throws Exception {
        Path java = Path.of(System.getProperty("emperor.root")).resolve("examples/hello-java").toAbsolutePath();
        Path python = Path.of(System.getProperty("emperor.root")).resolve("examples/python-agent").toAbsolutePath();
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        writeVassal("jvm.ini", "[vassal]\nchdir = " + java + "\ncommand = " + EmperorProcess.javaBinary() + " Hello.java "
                + marker + "\nenv = PORT=0\nagent = true\nheartbeat = 1\n");
        writeVassal("py.ini", "[vassal]\nchdir = " + python + "\ncommand = python3 -u app.py " + marker
                + "\nenv = PORT=" + port + "\nheartbeat = 1\n");
        writeVassal("plain.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        writeVassal("missing.ini", "[vassal]\ncommand = /nonexistent/program-" + marker + "\n");
        EmperorProcess emperor = emperor();

        await("a heap from the JVM, memory from Python, and a failed start retried").atMost(SOON)
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    JsonNode jvm = worker(emperor, "jvm");
                    JsonNode py = worker(emperor, "py");
                    JsonNode missing = emperor.vassal("missing").orElse(null);
                    return jvm != null && jvm.path("heap_bytes").asLong() > 0 && py != null
                            && py.path("telemetry").path("process.memory.usage").asLong() > 0
                            && missing != null && missing.path("start_failures").asInt() >= 2;
                });
        emperor.awaitState("plain", "running");
        JsonNode plain = worker(emperor, "plain");
        assertThat(plain.path("rss_bytes").asLong()).as("/stats: memory of a worker without an agent").isPositive();
        assertThat(plain.path("cpu_seconds").isNumber()).isTrue();
        assertThat(plain.path("heap_bytes").isNull()).isTrue();
        assertThat(worker(emperor, "py").path("telemetry_units").path("process.cpu.time").toString())
                .isEqualTo("{\"unit\":\"s\",\"kind\":\"counter\"}");

        String url = statsUrl(emperor);
        HttpResponse<String> text = scrape(url, "text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        HttpResponse<String> om = scrape(url, OPENMETRICS);
        assertThat(text.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(om.headers().firstValue("Content-Type")).hasValue(OPENMETRICS);
        assertThat(om.body()).endsWith("# EOF\n").contains("# TYPE jvm_memory_used_bytes gauge\n",
                "# UNIT jvm_memory_used_bytes bytes\n", "# TYPE emperor_vassal_restarts counter\n");

        for (String body : List.of(text.body(), om.body())) {
            List<Sample> samples = parse(body);
            assertThat(sum(samples, "jvm_memory_used_bytes", "vassal=\"jvm\"", "jvm_memory_type=\"heap\""))
                    .as("the JVM's heap, by OpenTelemetry's name").isPositive();
            assertThat(sum(samples, "jvm_thread_count_value", "vassal=\"jvm\"")).isPositive();
            assertThat(sum(samples, "jvm_cpu_time_seconds_total", "vassal=\"jvm\"")).isPositive();
            assertThat(sum(samples, "process_memory_usage_bytes", "vassal=\"py\"", "worker=\"1\"")).as("Python's RSS")
                    .isPositive();
            assertThat(sum(samples, "process_cpu_time_seconds_total", "vassal=\"py\"")).isGreaterThanOrEqualTo(0);
            for (String v : List.of("jvm", "py", "plain")) {
                assertThat(sum(samples, "emperor_worker_resident_memory_bytes", "vassal=\"" + v + "\"", "worker=\"1\""))
                        .as("resident memory of " + v).isPositive();
                assertThat(find(samples, "emperor_worker_cpu_seconds_total", "vassal=\"" + v + "\"")).hasSize(1);
                assertThat(sum(samples, "emperor_worker_uptime_seconds", "vassal=\"" + v + "\"")).isGreaterThanOrEqualTo(0);
            }
            assertThat(find(samples, "emperor_worker_heartbeat_age_seconds", "vassal=\"jvm\"")).hasSize(1);
            assertThat(find(samples, "emperor_worker_heartbeat_age_seconds", "vassal=\"plain\"")).isEmpty();
            for (String v : List.of("jvm", "py", "plain", "missing")) {
                List<Sample> states = find(samples, "emperor_vassal_state", "vassal=\"" + v + "\"");
                assertThat(states).as("a state set for " + v).hasSizeGreaterThan(5);
                assertThat(states.stream().mapToDouble(Sample::value).sum()).as("one state at a time for " + v).isEqualTo(1);
                assertThat(sum(samples, "emperor_vassal_config_error", "vassal=\"" + v + "\"")).isZero();
            }
            assertThat(sum(samples, "emperor_vassal_state", "vassal=\"plain\"", "state=\"running\"")).isEqualTo(1);
            assertThat(sum(samples, "emperor_vassal_start_failures_total", "vassal=\"missing\"")).isGreaterThanOrEqualTo(2);
            assertThat(sum(samples, "emperor_vassal_restarts_total", "vassal=\"missing\"")).as("its retries")
                    .isGreaterThanOrEqualTo(1);
            assertThat(sum(samples, "emperor_vassal_start_failures_total", "vassal=\"plain\"")).isZero();
            assertThat(find(samples, "emperor_build_info", "version=")).hasSize(1);
            assertThat(sum(samples, "process_resident_memory_bytes")).as("the emperor's own process").isPositive();
            assertThat(find(samples, "jvm_threads_current")).as("the emperor's own JVM").hasSize(1);
            assertThat(find(samples, "jvm_memory_used_bytes", "area=")).as("not mixed with the workers'").isEmpty();
            assertThat(sum(samples, "emperor_agent_series_dropped")).as("nothing the agents sent was refused").isZero();
        }
        promtool(text.body()); // last: where promtool is absent the test is skipped after everything else passed
    }

    @Test
    void aFileBrokenUnderARunningVassalIsAConfigErrorWhileTheOldConfigRuns() throws Exception {
        writeVassal("web.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("web", "running");
        String url = statsUrl(emperor);
        assertThat(sum(parse(scrape(url, "text/plain").body()), "emperor_vassal_config_error", "vassal=\"web\"")).isZero();

        writeVassal("web.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = many\n");

        await("the broken file noticed").atMost(SOON).pollInterval(Duration.ofMillis(100))
                .until(() -> emperor.vassal("web").orElseThrow().path("config_error").asBoolean());
        List<Sample> samples = parse(scrape(url, "text/plain").body());
        assertThat(sum(samples, "emperor_vassal_config_error", "vassal=\"web\"")).isEqualTo(1);
        assertThat(sum(samples, "emperor_vassal_state", "vassal=\"web\"", "state=\"running\"")).as("the old config runs")
                .isEqualTo(1);
        assertThat(sum(samples, "emperor_worker_resident_memory_bytes", "vassal=\"web\"")).isPositive();
    }

    private static JsonNode worker(EmperorProcess emperor, String vassal) {
        return emperor.vassal(vassal).map(v -> v.path("workers").path(0)).filter(w -> !w.isMissingNode()).orElse(null);
    }

    private static String statsUrl(EmperorProcess emperor) {
        Matcher m = STATS_URL.matcher(emperor.log());
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static HttpResponse<String> scrape(String url, String accept) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).header("Accept", accept)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r;
    }

    record Sample(String name, String labels, double value) {
    }

    private static List<Sample> parse(String body) {
        List<Sample> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a sample line: " + line).isTrue();
            out.add(new Sample(m.group(1), m.group(2) == null ? "" : m.group(2), Double.parseDouble(m.group(3))));
        }
        return out;
    }

    private static List<Sample> find(List<Sample> samples, String name, String... labels) {
        return samples.stream().filter(s -> s.name().equals(name))
                .filter(s -> List.of(labels).stream().allMatch(l -> s.labels().contains(l))).toList();
    }

    private static double sum(List<Sample> samples, String name, String... labels) {
        List<Sample> found = find(samples, name, labels);
        assertThat(found).as(name + " " + List.of(labels)).isNotEmpty();
        return found.stream().mapToDouble(Sample::value).sum();
    }

    /** {@code promtool check metrics}; skipped with a message where promtool is absent (CI installs it). */
    private void promtool(String text) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(promtool),
                "promtool is not installed (Debian: apt-get install prometheus); .ci/run installs it");
        Path file = Files.writeString(tmp.resolve("metrics.txt"), text);
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(file.toFile())
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(said).as("promtool check metrics").isEmpty();
        assertThat(p.exitValue()).isZero();
    }
}
