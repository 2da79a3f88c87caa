package dev.emperor.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import dev.emperor.agent.protocol.Metric;
import dev.emperor.agent.protocol.TelemetryMap;
import dev.emperor.daemon.EmperorSnapshot;
import dev.emperor.daemon.ProcUsage;
import dev.emperor.daemon.SummingTimer;
import dev.emperor.monitor.DirectoryStatus;
import dev.emperor.vassal.VassalState;
import dev.emperor.vassal.VassalStatus;
import dev.emperor.vassal.WorkerState;
import dev.emperor.vassal.WorkerStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics as Prometheus and promtool see it: families, names by OpenTelemetry's rules, and what a peer cannot break. */
class MetricsExpositionTest {

    private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private final MetricsExposition exposition = new MetricsExposition();

    @TempDir
    Path tmp;

    private static Map<String, Number> jvmTelemetry() {
        return TelemetryMap.builder()
                .metric(new Metric("jvm.memory.used", "By", Metric.Kind.GAUGE,
                        Map.of("jvm.memory.type", "heap", "jvm.memory.pool.name", "G1 Eden Space"), 1000L))
                .metric(new Metric("jvm.memory.used", "By", Metric.Kind.GAUGE,
                        Map.of("jvm.memory.type", "non_heap", "jvm.memory.pool.name", "Metaspace"), 500L))
                .metric(new Metric("jvm.cpu.time", "s", Metric.Kind.COUNTER, Map.of(), 2.5))
                .metric(new Metric("jvm.thread.count", "{thread}", Metric.Kind.GAUGE, Map.of("jvm.thread.daemon", "true"), 7L))
                .metric(new Metric("jvm.class.loaded", "{class}", Metric.Kind.COUNTER, Map.of(), 4000L))
                .metric(new Metric("jvm.gc.duration", "s", Metric.Kind.COUNTER, Map.of("jvm.gc.name", "G1 Young Generation"), 0.25))
                .flat("app.queue", 3L)
                .build();
    }

    private static WorkerStatus worker(int id, Long pid, Map<String, Number> telemetry) {
        return new WorkerStatus(id, pid, pid == null ? WorkerState.BACKOFF : WorkerState.RUNNING, pid == null ? null : 1_000L,
                0, null, pid == null ? null : 1500L, null, "ok", telemetry, null, null, "/bin/sleep");
    }

    private static VassalStatus vassal(String name, VassalState state, boolean configError, List<WorkerStatus> workers) {
        return new VassalStatus(name, Path.of("/etc/emperor/" + name + ".ini"), state, 4, null, null, workers, null, 0,
                null, 2, configError);
    }

    private static EmperorSnapshot snapshot(List<VassalStatus> vassals) {
        return new EmperorSnapshot(1, "1.2.3", 0, 10_000, List.of("/etc/emperor", "/srv/v\"x"), vassals,
                List.of(new DirectoryStatus(Path.of("/etc/emperor"), null, null, 0, null),
                        new DirectoryStatus(Path.of("/srv/v\"x"), "no such file or directory", 5L, 3, 9L)),
                117, 4096, 2);
    }

    private String render(EmperorSnapshot s, MetricRegistry registry, String accept) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        exposition.write(accept, out, exposition.snapshots(s, registry, pid -> new ProcUsage(pid * 4096, pid / 100.0)));
        return out.toString(StandardCharsets.UTF_8);
    }

    private EmperorSnapshot typical() {
        return snapshot(List.of(
                vassal("api", VassalState.RUNNING, true, List.of(worker(1, 4242L, jvmTelemetry()), worker(2, null, Map.of()))),
                vassal("sleep", VassalState.BACKOFF, false, List.of(worker(1, 77L, Map.of())))));
    }

    @Test
    void rendersTheEmperorTheVassalsAndTheWorkers() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        registry.counter("emperor.scans").inc(3);
        registry.register("emperor.scan-time", new SummingTimer()).update(2, TimeUnit.SECONDS);
        String text = render(typical(), registry, "text/plain");

        assertThat(text).contains("emperor_build_info{version=\"1.2.3\"} 1", "\nemperor_fds_in_use 117",
                "\nemperor_fd_limit 4096", "\nemperor_internal_errors_total 2",
                "emperor_directory_listable{path=\"/srv/v\\\"x\"} 0", "emperor_directory_list_failures{path=\"/srv/v\\\"x\"} 3");
        assertThat(text).as("a state set per vassal").contains("emperor_vassal_state{state=\"running\",vassal=\"api\"} 1",
                "emperor_vassal_state{state=\"backoff\",vassal=\"api\"} 0", "emperor_vassal_state{state=\"backoff\",vassal=\"sleep\"} 1");
        assertThat(text).contains("emperor_vassal_config_error{vassal=\"api\"} 1", "emperor_vassal_config_error{vassal=\"sleep\"} 0",
                "emperor_vassal_restarts_total{vassal=\"api\"} 4", "emperor_vassal_start_failures_total{vassal=\"api\"} 2");
        assertThat(text).as("every live worker from /proc").contains(
                "emperor_worker_resident_memory_bytes{vassal=\"api\",worker=\"1\"} 1.7375232E7",
                "emperor_worker_cpu_seconds_total{vassal=\"api\",worker=\"1\"} 42.42",
                "emperor_worker_resident_memory_bytes{vassal=\"sleep\",worker=\"1\"} 315392",
                "emperor_worker_heartbeat_age_seconds{vassal=\"api\",worker=\"1\"} 1.5",
                "emperor_worker_uptime_seconds{vassal=\"api\",worker=\"1\"} 9");
        assertThat(text).doesNotContain("worker=\"2\"} 0.0\nemperor_worker_resident");
        assertThat(text).as("the summary has its sum").contains("emperor_scan_time_seconds_sum 2.0",
                "emperor_scan_time_seconds_count 1", "# HELP emperor_scans_total ", "emperor_scans_total 3");
        assertThat(text).as("the emperor's own process and JVM").contains("process_cpu_seconds_total ", "jvm_threads_current ");
    }

    @Test
    void rendersAgentTelemetryByOpenTelemetrysPrometheusRules() throws Exception {
        String text = render(typical(), new MetricRegistry(), "text/plain");

        assertThat(text).contains("# TYPE jvm_memory_used_bytes gauge",
                "jvm_memory_used_bytes{jvm_memory_pool_name=\"G1 Eden Space\",jvm_memory_type=\"heap\",vassal=\"api\",worker=\"1\"} 1000",
                "# TYPE jvm_cpu_time_seconds_total counter", "jvm_cpu_time_seconds_total{vassal=\"api\",worker=\"1\"} 2.5",
                "jvm_thread_count_value{jvm_thread_daemon=\"true\",vassal=\"api\",worker=\"1\"} 7",
                "jvm_class_loaded_total{vassal=\"api\",worker=\"1\"} 4000",
                "jvm_gc_duration_seconds_total{jvm_gc_name=\"G1 Young Generation\",vassal=\"api\",worker=\"1\"} 0.25",
                "# TYPE app_queue gauge", "app_queue{vassal=\"api\",worker=\"1\"} 3");
        assertThat(text).as("the emperor's own heap is not mixed into the workers' family")
                .doesNotContain("jvm_memory_used_bytes{area=");
        assertThat(text).contains("emperor_agent_series_dropped{reason=\"collision\"} 0");
        String om = render(typical(), new MetricRegistry(), OPENMETRICS);
        assertThat(om).contains("# TYPE jvm_memory_used_bytes gauge\n# UNIT jvm_memory_used_bytes bytes",
                "# TYPE jvm_cpu_time_seconds counter", "# TYPE emperor_build_info gauge").endsWith("# EOF\n");
    }

    @Test
    void aPeerCannotBreakTheScrape() throws Exception {
        Map<String, Number> first = TelemetryMap.builder()
                .metric(new Metric("emperor.vassal.restarts", "", Metric.Kind.COUNTER, Map.of(), 1L)) // our prefix
                .metric(new Metric("process.cpu", "s", Metric.Kind.COUNTER, Map.of(), 1L)) // = the emperor's process_cpu_seconds
                .metric(new Metric("shared", "By", Metric.Kind.GAUGE, Map.of(), 1L))
                .metric(new Metric("labelled", "", Metric.Kind.GAUGE, Map.of("vassal", "other"), 1L)) // our label
                .flat("dup.x", 1L).flat("dup_x", 2L) // the same series once sanitized
                .flat("weird name\"\n{}", 5L) // any characters in a flat name
                .build();
        Map<String, Number> second = TelemetryMap.builder()
                .metric(new Metric("shared", "By", Metric.Kind.COUNTER, Map.of(), 1L)) // another kind than the first
                .build();
        EmperorSnapshot s = snapshot(List.of(vassal("a", VassalState.RUNNING, false,
                List.of(worker(1, 10L, first), worker(2, 11L, second)))));

        String text = render(s, new MetricRegistry(), "text/plain");

        assertThat(text).contains("emperor_agent_series_dropped{reason=\"collision\"} 2",
                "emperor_agent_series_dropped{reason=\"conflict\"} 1", "emperor_agent_series_dropped{reason=\"label\"} 1",
                "emperor_agent_series_dropped{reason=\"duplicate\"} 1", "shared_bytes{vassal=\"a\",worker=\"1\"} 1",
                "dup_x{vassal=\"a\",worker=\"1\"} 1", "weird_name_{vassal=\"a\",worker=\"1\"} 5");
        assertThat(text).doesNotContain("emperor_vassal_restarts_total{vassal=\"a\"} 1\n", "labelled");
        promtool(text);
    }

    @Test
    void oneAgentCannotTakeAFamilyFromTheOtherVassalsByReportingItFirst() throws Exception {
        Map<String, Number> liar = TelemetryMap.builder() // sorts first, and says a counter is a gauge
                .metric(new Metric("process.cpu.time", "s", Metric.Kind.GAUGE, Map.of(), 9L))
                .metric(new Metric("app.jobs", "", Metric.Kind.COUNTER, Map.of(), 1L))
                .build();
        Map<String, Number> honest = TelemetryMap.builder()
                .metric(new Metric("process.cpu.time", "s", Metric.Kind.COUNTER, Map.of(), 3L))
                .metric(new Metric("app.jobs", "", Metric.Kind.GAUGE, Map.of(), 2L))
                .build();
        EmperorSnapshot s = snapshot(List.of(
                vassal("aaa", VassalState.RUNNING, false, List.of(worker(1, 10L, liar))),
                vassal("mmm", VassalState.RUNNING, false, List.of(worker(1, 11L, honest))),
                vassal("zzz", VassalState.RUNNING, false, List.of(worker(1, 12L, honest)))));

        String text = render(s, new MetricRegistry(), "text/plain");

        // most vassals decide; a tie would go to OpenTelemetry's convention (process.cpu.time is a counter)
        assertThat(text).contains("process_cpu_time_seconds_total{vassal=\"mmm\",worker=\"1\"} 3",
                "process_cpu_time_seconds_total{vassal=\"zzz\",worker=\"1\"} 3",
                "app_jobs{vassal=\"zzz\",worker=\"1\"} 2", "emperor_agent_series_dropped{reason=\"conflict\"} 2");
        assertThat(text).doesNotContain("process_cpu_time_seconds{", "process_cpu_time_seconds_total{vassal=\"aaa\"",
                "app_jobs_total", "app_jobs{vassal=\"aaa\"");
        promtool(text);

        EmperorSnapshot tie = snapshot(List.of(
                vassal("aaa", VassalState.RUNNING, false, List.of(worker(1, 10L, liar))),
                vassal("zzz", VassalState.RUNNING, false, List.of(worker(1, 12L, honest)))));
        assertThat(render(tie, new MetricRegistry(), "text/plain"))
                .contains("process_cpu_time_seconds_total{vassal=\"zzz\",worker=\"1\"} 3")
                .doesNotContain("process_cpu_time_seconds{vassal=\"aaa\"");
    }

    @Test
    void promtoolFindsNothingToSay() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        registry.counter("emperor.spawn-failures").inc();
        registry.register("emperor.scan-time", new SummingTimer()).update(5, TimeUnit.MILLISECONDS);
        promtool(render(typical(), registry, "text/plain"));
        promtool(render(snapshot(List.of()), new MetricRegistry(), "text/plain"));
        // promtool reads the text format only: OpenMetrics counters (family x, samples x_total) look
        // to its parser like two families. So the OpenMetrics rendering is checked for its own rules.
        String om = render(typical(), registry, OPENMETRICS);
        assertThat(om).endsWith("\n# EOF\n").contains("# TYPE emperor_vassal_restarts counter\n",
                "\nemperor_vassal_restarts_total{vassal=\"api\"} 4", "# UNIT emperor_worker_resident_memory_bytes bytes\n",
                "# TYPE emperor_scan_time_seconds summary\n", "\nemperor_scan_time_seconds_sum 0.005");
    }

    @Test
    void negotiatesTheFormatByAcceptHeader() {
        assertThat(exposition.writer(null).getContentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(exposition.writer("*/*").getContentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(exposition.writer("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3")
                .getContentType()).isEqualTo(OPENMETRICS);
        assertThat(exposition.writer("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                + "encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3").getContentType())
                .as("no protobuf writer in the jar: text").isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    }

    @Test
    void namesFollowTheCompatibilityRules() {
        assertThat(OtelNaming.family("jvm.memory.used", "By", Metric.Kind.GAUGE).name()).isEqualTo("jvm_memory_used_bytes");
        assertThat(OtelNaming.family("jvm.cpu.time", "s", Metric.Kind.COUNTER).name()).isEqualTo("jvm_cpu_time_seconds");
        assertThat(OtelNaming.family("requests.total", "", Metric.Kind.COUNTER).name()).isEqualTo("requests");
        assertThat(OtelNaming.family("cpu.utilization", "1", Metric.Kind.GAUGE).name()).isEqualTo("cpu_utilization_ratio");
        assertThat(OtelNaming.family("net.io", "By/s", Metric.Kind.GAUGE).name()).isEqualTo("net_io_bytes_per_second");
        assertThat(OtelNaming.family("latency_seconds", "s", Metric.Kind.GAUGE).name()).isEqualTo("latency_seconds");
        assertThat(OtelNaming.family("2xx..rate", "", Metric.Kind.GAUGE).name()).isEqualTo("_2xx_rate");
        assertThat(OtelNaming.family("jvm.thread.count", "{thread}", Metric.Kind.GAUGE).name())
                .as("promtool refuses a gauge ending in _count").isEqualTo("jvm_thread_count_value");
        assertThat(OtelNaming.family("jvm.gc.count", "{collection}", Metric.Kind.COUNTER).name()).isEqualTo("jvm_gc_count");
        assertThat(OtelNaming.labelName("jvm.memory.type")).isEqualTo("jvm_memory_type");
        assertThat(OtelNaming.labelName("0day")).isEqualTo("key_0day");
        assertThat(OtelNaming.labelName("__x")).isEqualTo("key_x");
    }

    /** Runs {@code promtool check metrics} on {@code text}; skipped where promtool is not installed (CI installs it). */
    private void promtool(String text) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        Assumptions.assumeTrue(Files.isExecutable(promtool), "promtool is not installed (Debian: apt-get install prometheus)");
        Path file = Files.writeString(tmp.resolve("metrics-" + System.nanoTime() + ".txt"), text);
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(file.toFile())
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(said).as("promtool on:\n" + text).isEmpty();
        assertThat(p.exitValue()).isZero();
    }
}
