package dev.emperor.stats;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.emperor.daemon.EmperorSnapshot;
import dev.emperor.vassal.VassalState;
import dev.emperor.vassal.VassalStatus;
import dev.emperor.vassal.WorkerStatus;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Renders a snapshot and the metric registry as /stats JSON and /metrics Prometheus text. */
public final class StatsDocument {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatsDocument() {
    }

    public static ObjectNode json(EmperorSnapshot s, MetricRegistry metrics) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode emperor = root.putObject("emperor");
        emperor.put("pid", s.pid());
        emperor.put("version", s.version());
        emperor.put("started_at_ms", s.startedAtMs());
        emperor.put("uptime_ms", s.uptimeMs());
        ArrayNode dirs = emperor.putArray("vassals_dirs");
        s.vassalsDirs().forEach(dirs::add);
        emperor.put("fds_in_use", s.fdsInUse());
        emperor.put("fd_limit", s.fdLimit());
        emperor.put("internal_errors", s.internalErrors());
        ArrayNode directories = emperor.putArray("directories");
        for (var d : s.directories()) {
            ObjectNode o = directories.addObject();
            o.put("path", d.path().toString());
            o.put("listable", d.listable());
            o.put("error", d.error());
            o.put("since_ms", d.sinceMs());
            o.put("failures", d.failures());
            o.put("next_retry_ms", d.nextRetryMs());
        }
        ObjectNode counters = emperor.putObject("counters");
        for (Map.Entry<String, Counter> c : metrics.getCounters((n, m) -> n.startsWith("emperor.")).entrySet()) {
            counters.put(c.getKey().substring("emperor.".length()), c.getValue().getCount());
        }
        ArrayNode vassals = root.putArray("vassals");
        for (VassalStatus v : s.vassals()) {
            ObjectNode o = vassals.addObject();
            o.put("name", v.name());
            o.put("config", v.config().toString());
            o.put("state", v.state().label());
            o.put("restarts", v.restarts());
            o.put("error", v.error());
            o.put("last_exit", v.lastExit());
            ObjectNode log = o.putObject("log");
            log.put("file", v.logFile() == null ? null : v.logFile().toString());
            log.put("dropped_lines", v.logDropped());
            log.put("error", v.logError());
            ArrayNode workers = o.putArray("workers");
            for (WorkerStatus w : v.workers()) {
                ObjectNode wo = workers.addObject();
                wo.put("id", w.id());
                wo.put("pid", w.pid());
                wo.put("program", w.program());
                wo.put("state", w.state().label());
                wo.put("started_at_ms", w.startedAtMs());
                wo.put("heartbeat_age_ms", w.heartbeatAgeMs()); // null until a first heartbeat
                wo.put("health", w.health());
                wo.put("agent_pid", w.agentPid());
                wo.put("diagnosis", w.diagnosis());
                ObjectNode telemetry = wo.putObject("telemetry");
                new java.util.TreeMap<>(w.telemetry()).forEach((k, val) -> {
                    if (val instanceof Double || val instanceof Float) telemetry.put(k, val.doubleValue());
                    else telemetry.put(k, val.longValue());
                });
                wo.put("restarts", w.restarts());
                wo.put("last_exit", w.lastExit());
                if (w.lastRestart() == null) {
                    wo.putNull("last_restart");
                } else {
                    ObjectNode r = wo.putObject("last_restart");
                    r.put("reason", w.lastRestart().reason());
                    r.put("at_ms", w.lastRestart().atMs());
                    r.put("evidence", w.lastRestart().evidence());
                }
            }
        }
        return root;
    }

    /**
     * Writes the document to {@code out} as it is generated (and leaves {@code out} open): with
     * 1,000 vassals it is about 600 kB, and a String of it (plus its bytes) would be garbage big
     * enough to reach the old generation and stay in the emperor's memory until a full collection.
     */
    public static void writeJson(EmperorSnapshot s, MetricRegistry metrics, java.io.OutputStream out)
            throws java.io.IOException {
        JSON.writer().without(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                .writeValue(out, json(s, metrics));
        out.write('\n');
    }

    public static String jsonText(EmperorSnapshot s, MetricRegistry metrics) {
        try {
            return JSON.writeValueAsString(json(s, metrics)) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Prometheus text exposition format 0.0.4. */
    public static String prometheus(EmperorSnapshot s, MetricRegistry metrics) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("# HELP emperor_uptime_seconds Seconds since the emperor started.\n");
        sb.append("# TYPE emperor_uptime_seconds gauge\n");
        sb.append("emperor_uptime_seconds ").append(s.uptimeMs() / 1000.0).append('\n');
        family(sb, "emperor_fds_in_use", "gauge", "File descriptors the emperor holds (counted at the last scan,"
                + " plus what was admitted since).");
        sb.append("emperor_fds_in_use ").append(s.fdsInUse()).append('\n');
        family(sb, "emperor_fd_limit", "gauge", "The emperor's soft RLIMIT_NOFILE.");
        sb.append("emperor_fd_limit ").append(s.fdLimit()).append('\n');
        family(sb, "emperor_internal_errors_total", "counter", "Event handlers that threw (bugs) since start.");
        sb.append("emperor_internal_errors_total ").append(s.internalErrors()).append('\n');
        family(sb, "emperor_directory_listable", "gauge", "1 when the vassal directory could be listed at the"
                + " last scan, else 0 (its vassals are kept as they are and it is retried).");
        for (var d : s.directories()) {
            sb.append("emperor_directory_listable{path=\"").append(escape(d.path().toString())).append("\"} ")
                    .append(d.listable() ? 1 : 0).append('\n');
        }
        family(sb, "emperor_directory_list_failures", "gauge", "Listing attempts of the vassal directory failed"
                + " in a row (0 while listable).");
        for (var d : s.directories()) {
            sb.append("emperor_directory_list_failures{path=\"").append(escape(d.path().toString())).append("\"} ")
                    .append(d.failures()).append('\n');
        }
        Map<VassalState, Integer> byState = new EnumMap<>(VassalState.class);
        for (VassalState st : VassalState.values()) byState.put(st, 0);
        for (VassalStatus v : s.vassals()) byState.merge(v.state(), 1, Integer::sum);
        sb.append("# HELP emperor_vassals Vassals by state.\n# TYPE emperor_vassals gauge\n");
        byState.forEach((st, n) -> sb.append("emperor_vassals{state=\"").append(st.label()).append("\"} ")
                .append(n).append('\n'));
        sb.append("# HELP emperor_vassal_restarts_total Unplanned worker restarts per vassal.\n");
        sb.append("# TYPE emperor_vassal_restarts_total counter\n");
        for (VassalStatus v : s.vassals()) {
            sb.append("emperor_vassal_restarts_total{vassal=\"").append(escape(v.name())).append("\"} ")
                    .append(v.restarts()).append('\n');
        }
        sb.append("# HELP emperor_vassal_log_dropped_lines_total Output lines lost because the log could not keep up.\n");
        sb.append("# TYPE emperor_vassal_log_dropped_lines_total counter\n");
        for (VassalStatus v : s.vassals()) {
            sb.append("emperor_vassal_log_dropped_lines_total{vassal=\"").append(escape(v.name())).append("\"} ")
                    .append(v.logDropped()).append('\n');
        }
        sb.append("# HELP emperor_vassal_workers Live worker processes per vassal.\n");
        sb.append("# TYPE emperor_vassal_workers gauge\n");
        for (VassalStatus v : s.vassals()) {
            long live = v.workers().stream().filter(w -> w.pid() != null).count();
            sb.append("emperor_vassal_workers{vassal=\"").append(escape(v.name())).append("\"} ").append(live)
                    .append('\n');
        }
        sb.append("# HELP emperor_worker_heartbeat_age_seconds Seconds since each worker's last heartbeat.\n");
        sb.append("# TYPE emperor_worker_heartbeat_age_seconds gauge\n");
        for (VassalStatus v : s.vassals()) {
            for (WorkerStatus w : v.workers()) {
                if (w.heartbeatAgeMs() == null) continue;
                sb.append("emperor_worker_heartbeat_age_seconds{vassal=\"").append(escape(v.name()))
                        .append("\",worker=\"").append(w.id()).append("\"} ").append(w.heartbeatAgeMs() / 1000.0)
                        .append('\n');
            }
        }
        sb.append("# HELP emperor_worker_telemetry What each worker's agent reported last.\n");
        sb.append("# TYPE emperor_worker_telemetry gauge\n");
        for (var g : metrics.getGauges((n, m) -> n.startsWith("vassal.") && n.contains(".worker.")).entrySet()) {
            // vassal.NAME.worker.ID.KEY; vassal names contain no dots? they may: split from the marker
            String n = g.getKey();
            int at = n.indexOf(".worker.");
            String vassal = n.substring("vassal.".length(), at);
            String rest = n.substring(at + ".worker.".length());
            int dot = rest.indexOf('.');
            if (dot < 0) continue;
            Object value = g.getValue().getValue(); // null when the key vanished from the last beat
            if (!(value instanceof Number num)) continue;
            sb.append("emperor_worker_telemetry{vassal=\"").append(escape(vassal)).append("\",worker=\"")
                    .append(rest, 0, dot).append("\",key=\"").append(escape(rest.substring(dot + 1))).append("\"} ")
                    .append(num).append('\n');
        }
        for (Map.Entry<String, Counter> c : metrics.getCounters((n, m) -> n.startsWith("emperor.")).entrySet()) {
            String name = promName(c.getKey()) + "_total";
            sb.append("# TYPE ").append(name).append(" counter\n");
            sb.append(name).append(' ').append(c.getValue().getCount()).append('\n');
        }
        for (Map.Entry<String, Timer> t : metrics.getTimers((n, m) -> n.startsWith("emperor.")).entrySet()) {
            String name = promName(t.getKey()) + "_seconds";
            var snap = t.getValue().getSnapshot();
            sb.append("# TYPE ").append(name).append(" summary\n");
            sb.append(name).append("{quantile=\"0.5\"} ").append(nanosToSeconds(snap.getMedian())).append('\n');
            sb.append(name).append("{quantile=\"0.99\"} ").append(nanosToSeconds(snap.get99thPercentile())).append('\n');
            sb.append(name).append("_count ").append(t.getValue().getCount()).append('\n');
        }
        return sb.toString();
    }

    private static void family(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String promName(String dropwizardName) {
        return dropwizardName.replaceAll("[^a-zA-Z0-9_]", "_").toLowerCase(Locale.ROOT);
    }

    private static double nanosToSeconds(double nanos) {
        return nanos / TimeUnit.SECONDS.toNanos(1);
    }

    private static String escape(String label) {
        return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
