package dev.emperor.stats;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.emperor.agent.protocol.Metric;
import dev.emperor.agent.protocol.TelemetryMap;
import dev.emperor.daemon.EmperorSnapshot;
import dev.emperor.daemon.ProcUsage;
import dev.emperor.vassal.VassalStatus;
import dev.emperor.vassal.WorkerStatus;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * Renders a snapshot and the metric registry as /stats JSON (/metrics is
 * {@link MetricsExposition}). Each live worker's resident memory and CPU time are read from
 * /proc while rendering (one read per worker), not on the event loop.
 */
public final class StatsDocument {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatsDocument() {
    }

    public static ObjectNode json(EmperorSnapshot s, MetricRegistry metrics) {
        return json(s, metrics, ProcUsage::read);
    }

    /** {@code proc} reads a live worker's usage (null when it is gone). */
    public static ObjectNode json(EmperorSnapshot s, MetricRegistry metrics, LongFunction<ProcUsage> proc) {
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
            o.put("start_failures", v.startFailures());
            o.put("config_error", v.configError());
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
                ProcUsage usage = w.pid() == null ? null : proc.apply(w.pid());
                wo.put("rss_bytes", usage == null ? null : usage.rssBytes());
                wo.put("cpu_seconds", usage == null ? null : usage.cpuSeconds());
                telemetry(wo, w.telemetry());
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

    /**
     * {@code telemetry} (series key to value), {@code telemetry_units} (metric name to unit and
     * kind) and {@code heap_bytes} (the JVM heap in use, or null): the shape docs/protocol.md
     * gives for /stats.
     */
    private static void telemetry(ObjectNode wo, Map<String, Number> values) {
        Long heap = null;
        ObjectNode telemetry = JSON.createObjectNode();
        ObjectNode units = JSON.createObjectNode();
        TelemetryMap t = values instanceof TelemetryMap tm ? tm : null;
        for (Map.Entry<String, Number> e : new TreeMap<>(values).entrySet()) {
            Number val = e.getValue();
            if (val instanceof Double || val instanceof Float) telemetry.put(e.getKey(), val.doubleValue());
            else telemetry.put(e.getKey(), val.longValue());
            Metric m = t != null ? t.metric(e.getKey()) : null;
            String name = m != null ? m.name() : e.getKey();
            if (!units.has(name)) {
                ObjectNode u = units.putObject(name);
                u.put("unit", m != null ? m.unit() : "");
                u.put("kind", m != null ? m.kind().wireName() : Metric.Kind.GAUGE.wireName());
            }
            if (m != null && m.name().equals("jvm.memory.used") && "heap".equals(m.attributes().get("jvm.memory.type"))) {
                heap = (heap == null ? 0 : heap) + val.longValue();
            }
        }
        if (heap == null && values.get("heap.used") != null) heap = values.get("heap.used").longValue(); // an older agent
        wo.put("heap_bytes", heap);
        wo.set("telemetry", telemetry);
        wo.set("telemetry_units", units);
    }
}
