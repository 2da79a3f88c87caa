package dev.emperor.stats;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.emperor.daemon.EmperorSnapshot;
import dev.emperor.daemon.ProcUsage;
import dev.emperor.daemon.SummingTimer;
import dev.emperor.vassal.VassalState;
import dev.emperor.vassal.VassalStatus;
import dev.emperor.vassal.WorkerStatus;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * /metrics: the snapshot, the emperor's Dropwizard counters, its own process and JVM, and the
 * workers' telemetry, as the Prometheus client's model, written by the client's text (0.0.4) or
 * OpenMetrics writer as the scraper's Accept header asks. Built per scrape from the snapshot;
 * per worker it reads /proc once ({@link ProcUsage}). Thread-safe (the HTTP threads share one).
 */
public final class MetricsExposition {

    /**
     * The emperor's own JVM families that the workers' OpenTelemetry families take instead
     * ({@code jvm.memory.used} = {@code jvm_memory_used_bytes}, labelled by vassal and worker).
     */
    private static final Set<String> LEFT_TO_WORKERS = Set.of("jvm_memory_used_bytes", "jvm_memory_committed_bytes");
    /**
     * Not rendered: an OpenMetrics info family that promtool (the text parser) cannot read;
     * emperor_build_info says the version that matters.
     */
    private static final Set<String> LEFT_OUT = Set.of("jvm_runtime", "jvm_runtime_info");

    private final PrometheusRegistry own = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();

    public MetricsExposition() {
        JvmMetrics.builder().register(own); // process_* and jvm_*: the emperor's own
    }

    /**
     * The writer for an Accept header: OpenMetrics when asked for, else text 0.0.4. Protobuf
     * (what Prometheus asks for first when native histograms are on) is not in our jar: such a
     * scraper gets text, which it accepts too.
     */
    public ExpositionFormatWriter writer(String accept) {
        ExpositionFormatWriter w = formats.findWriter(accept);
        return w.isAvailable() ? w : formats.getPrometheusTextFormatWriter();
    }

    public void write(String accept, OutputStream out, MetricSnapshots snapshots) throws IOException {
        writer(accept).write(out, snapshots);
    }

    public MetricSnapshots snapshots(EmperorSnapshot s, MetricRegistry metrics) {
        return snapshots(s, metrics, ProcUsage::read);
    }

    /** Every family for one scrape; {@code proc} reads a worker's usage (null when gone). */
    public MetricSnapshots snapshots(EmperorSnapshot s, MetricRegistry metrics, LongFunction<ProcUsage> proc) {
        List<MetricSnapshot> out = new ArrayList<>(64);
        emperor(s, out);
        registry(metrics, out);
        vassals(s, out);
        workers(s, proc, out);
        for (MetricSnapshot m : own.scrape(name -> !LEFT_TO_WORKERS.contains(name) && !LEFT_OUT.contains(name))) out.add(m);
        List<String> ours = new ArrayList<>(out.size() + 1);
        for (MetricSnapshot m : out) ours.add(m.getMetadata().getPrometheusName());
        ours.add("emperor_agent_series_dropped");
        AgentFamilies agents = new AgentFamilies(ours);
        for (VassalStatus v : s.vassals()) {
            for (WorkerStatus w : v.workers()) {
                if (w.pid() != null) agents.add(v.name(), w.id(), w.telemetry());
            }
        }
        out.addAll(agents.snapshots());
        GaugeSnapshot.Builder dropped = GaugeSnapshot.builder().name("emperor_agent_series_dropped")
                .help("Series the workers' agents sent that this scrape left out, by reason: collision (the name is"
                        + " one of the emperor's), conflict (another kind or unit than the family takes: most vassals', on a tie OpenTelemetry's),"
                        + " duplicate, label (an attribute named vassal or worker), limit (too many series).");
        agents.dropped().forEach((reason, n) -> dropped.dataPoint(gauge(n, Labels.of("reason", reason))));
        out.add(dropped.build());
        return new MetricSnapshots(out);
    }

    private static void emperor(EmperorSnapshot s, List<MetricSnapshot> out) {
        // A gauge of 1 rather than an OpenMetrics info: the text format (and promtool) has no info type.
        out.add(GaugeSnapshot.builder().name("emperor_build_info").help("The emperor's version, in the version label; always 1.")
                .dataPoint(gauge(1, Labels.of("version", s.version()))).build());
        out.add(gauge("emperor_uptime_seconds", "Seconds since the emperor started.", Unit.SECONDS, s.uptimeMs() / 1000.0));
        out.add(gauge("emperor_start_time_seconds", "When the emperor started, in seconds since the epoch.",
                Unit.SECONDS, s.startedAtMs() / 1000.0));
        out.add(gauge("emperor_fds_in_use", "File descriptors the emperor holds (counted at the last scan, plus what"
                + " was admitted since).", null, s.fdsInUse()));
        out.add(gauge("emperor_fd_limit", "The emperor's soft RLIMIT_NOFILE.", null, s.fdLimit()));
        out.add(CounterSnapshot.builder().name("emperor_internal_errors").help("Event handlers that threw (bugs) since start.")
                .dataPoint(counter(s.internalErrors(), Labels.EMPTY)).build());
        GaugeSnapshot.Builder listable = GaugeSnapshot.builder().name("emperor_directory_listable")
                .help("1 when the vassal directory could be listed at the last scan, else 0 (its vassals are kept as"
                        + " they are and it is retried).");
        GaugeSnapshot.Builder failures = GaugeSnapshot.builder().name("emperor_directory_list_failures")
                .help("Listing attempts of the vassal directory failed in a row (0 while listable).");
        for (var d : s.directories()) {
            Labels path = Labels.of("path", d.path().toString());
            listable.dataPoint(gauge(d.listable() ? 1 : 0, path));
            failures.dataPoint(gauge(d.failures(), path));
        }
        out.add(listable.build());
        out.add(failures.build());
    }

    /** The emperor's Dropwizard counters and timers ({@code emperor.*}). */
    private static void registry(MetricRegistry metrics, List<MetricSnapshot> out) {
        for (Map.Entry<String, Counter> c : metrics.getCounters((n, m) -> n.startsWith("emperor.")).entrySet()) {
            String name = promName(c.getKey());
            out.add(CounterSnapshot.builder().name(name).help(COUNTER_HELP.getOrDefault(name, "The emperor's "
                    + c.getKey() + " since start.")).dataPoint(counter(c.getValue().getCount(), Labels.EMPTY)).build());
        }
        for (Map.Entry<String, Timer> t : metrics.getTimers((n, m) -> n.startsWith("emperor.")).entrySet()) {
            String name = promName(t.getKey()) + "_seconds";
            var snap = t.getValue().getSnapshot();
            double sum = t.getValue() instanceof SummingTimer st ? st.totalSeconds() : snap.getMean() / 1e9 * t.getValue().getCount();
            Quantiles q = Quantiles.of(new Quantile(0.5, snap.getMedian() / 1e9), new Quantile(0.99, snap.get99thPercentile() / 1e9));
            out.add(SummarySnapshot.builder().name(name).unit(Unit.SECONDS)
                    .help(COUNTER_HELP.getOrDefault(name, "Durations of the emperor's " + t.getKey() + "."))
                    .dataPoint(new SummarySnapshot.SummaryDataPointSnapshot(t.getValue().getCount(), sum, q,
                            Labels.EMPTY, null, 0))
                    .build());
        }
    }

    private static final Map<String, String> COUNTER_HELP = Map.of(
            "emperor_scans", "Scans of the vassal directories since start.",
            "emperor_spawns", "Worker processes started since start.",
            "emperor_spawn_failures", "Worker processes that could not be started since start.",
            "emperor_scan_time_seconds", "How long a scan of the vassal directories took (quantiles of recent scans).");

    private static void vassals(EmperorSnapshot s, List<MetricSnapshot> out) {
        Map<VassalState, Integer> byState = new EnumMap<>(VassalState.class);
        for (VassalState st : VassalState.values()) byState.put(st, 0);
        for (VassalStatus v : s.vassals()) byState.merge(v.state(), 1, Integer::sum);
        GaugeSnapshot.Builder counts = GaugeSnapshot.builder().name("emperor_vassals").help("Vassals by state.");
        byState.forEach((st, n) -> counts.dataPoint(gauge(n, Labels.of("state", st.label()))));
        out.add(counts.build());

        GaugeSnapshot.Builder state = GaugeSnapshot.builder().name("emperor_vassal_state")
                .help("Each vassal's state: 1 for the state it is in, 0 for the others.");
        GaugeSnapshot.Builder configError = GaugeSnapshot.builder().name("emperor_vassal_config_error")
                .help("1 while the vassal's file is broken or invalid (when the vassal is not invalid, its last valid"
                        + " configuration still runs), else 0.");
        CounterSnapshot.Builder restarts = CounterSnapshot.builder().name("emperor_vassal_restarts")
                .help("Unplanned relaunches of the vassal's workers: after a crash, a hang or a failed start.");
        CounterSnapshot.Builder startFailures = CounterSnapshot.builder().name("emperor_vassal_start_failures")
                .help("Workers that could not be started (a missing program included) or died before they were ready.");
        CounterSnapshot.Builder logDropped = CounterSnapshot.builder().name("emperor_vassal_log_dropped_lines")
                .help("Output lines lost because the log could not keep up.");
        GaugeSnapshot.Builder workers = GaugeSnapshot.builder().name("emperor_vassal_workers")
                .help("Live worker processes per vassal.");
        for (VassalStatus v : s.vassals()) {
            for (VassalState st : VassalState.values()) {
                state.dataPoint(gauge(v.state() == st ? 1 : 0, Labels.of("state", st.label(), "vassal", v.name())));
            }
            Labels l = Labels.of("vassal", v.name());
            configError.dataPoint(gauge(v.configError() ? 1 : 0, l));
            restarts.dataPoint(counter(v.restarts(), l));
            startFailures.dataPoint(counter(v.startFailures(), l));
            logDropped.dataPoint(counter(v.logDropped(), l));
            workers.dataPoint(gauge(v.workers().stream().filter(w -> w.pid() != null).count(), l));
        }
        out.add(state.build());
        out.add(configError.build());
        out.add(restarts.build());
        out.add(startFailures.build());
        out.add(logDropped.build());
        out.add(workers.build());
    }

    private static void workers(EmperorSnapshot s, LongFunction<ProcUsage> proc, List<MetricSnapshot> out) {
        GaugeSnapshot.Builder rss = GaugeSnapshot.builder().name("emperor_worker_resident_memory_bytes").unit(Unit.BYTES)
                .help("Resident memory of each live worker process (from /proc).");
        CounterSnapshot.Builder cpu = CounterSnapshot.builder().name("emperor_worker_cpu_seconds").unit(Unit.SECONDS)
                .help("User and system CPU time of each live worker process, not of its children (from /proc).");
        GaugeSnapshot.Builder start = GaugeSnapshot.builder().name("emperor_worker_start_time_seconds").unit(Unit.SECONDS)
                .help("When each live worker process started, in seconds since the epoch.");
        GaugeSnapshot.Builder uptime = GaugeSnapshot.builder().name("emperor_worker_uptime_seconds").unit(Unit.SECONDS)
                .help("Seconds each live worker process has run.");
        GaugeSnapshot.Builder beat = GaugeSnapshot.builder().name("emperor_worker_heartbeat_age_seconds").unit(Unit.SECONDS)
                .help("Seconds since each worker's last heartbeat (workers that beat).");
        CounterSnapshot.Builder restarts = CounterSnapshot.builder().name("emperor_worker_restarts")
                .help("Unplanned restarts of each worker slot.");
        long nowMs = s.startedAtMs() + s.uptimeMs();
        for (VassalStatus v : s.vassals()) {
            for (WorkerStatus w : v.workers()) {
                Labels l = Labels.of("vassal", v.name(), "worker", Integer.toString(w.id()));
                restarts.dataPoint(counter(w.restarts(), l));
                if (w.pid() == null) continue;
                ProcUsage u = proc.apply(w.pid());
                if (u != null) {
                    rss.dataPoint(gauge(u.rssBytes(), l));
                    cpu.dataPoint(counter(u.cpuSeconds(), l));
                }
                if (w.startedAtMs() != null) {
                    start.dataPoint(gauge(w.startedAtMs() / 1000.0, l));
                    uptime.dataPoint(gauge(Math.max(0, nowMs - w.startedAtMs()) / 1000.0, l));
                }
                if (w.heartbeatAgeMs() != null) beat.dataPoint(gauge(w.heartbeatAgeMs() / 1000.0, l));
            }
        }
        out.add(rss.build());
        out.add(cpu.build());
        out.add(start.build());
        out.add(uptime.build());
        out.add(beat.build());
        out.add(restarts.build());
    }

    private static GaugeSnapshot gauge(String name, String help, Unit unit, double value) {
        return GaugeSnapshot.builder().name(name).help(help).unit(unit).dataPoint(gauge(value, Labels.EMPTY)).build();
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot gauge(double value, Labels labels) {
        return new GaugeSnapshot.GaugeDataPointSnapshot(value, labels, null);
    }

    private static CounterSnapshot.CounterDataPointSnapshot counter(double value, Labels labels) {
        return new CounterSnapshot.CounterDataPointSnapshot(Math.max(0, value), labels, null, 0);
    }

    /** {@code emperor.spawn-failures} = {@code emperor_spawn_failures}. */
    private static String promName(String dropwizardName) {
        return dropwizardName.replaceAll("[^a-zA-Z0-9_]", "_").toLowerCase(Locale.ROOT);
    }
}
