package dev.emperor.cli.top;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Turns the control socket's status document (what {@code emperor status --json} prints) into
 * a {@link Snapshot}. Tolerant by design: a field the emperor does not send (an older emperor,
 * a worker without an agent) becomes null, never an error.
 */
public final class StatusReader {

    /** Health words from worst to best; a vassal shows its worst worker's. Unknown words rank as bad. */
    private static final List<String> HEALTH_ORDER = List.of("hung", "deadlocked", "stuck", "silent", "gc",
            "idle", "waiting", "ok", "no-agent");

    private final CpuMeter cpu;

    public StatusReader(CpuMeter cpu) {
        this.cpu = cpu;
    }

    /** Reads one refresh; {@code nowMs} for uptimes, {@code nowNanos} for CPU%. */
    public Snapshot read(JsonNode root, long nowMs, long nowNanos) {
        cpu.beginRefresh();
        JsonNode e = root.path("emperor");
        Snapshot.Emperor emperor = new Snapshot.Emperor(longOrNull(e.path("pid")), textOrNull(e.path("version")),
                longOrNull(e.path("uptime_ms")));
        List<Snapshot.Vassal> vassals = new ArrayList<>();
        for (JsonNode v : root.path("vassals")) vassals.add(vassal(v, nowMs, nowNanos));
        return new Snapshot(emperor, vassals);
    }

    private Snapshot.Vassal vassal(JsonNode v, long nowMs, long nowNanos) {
        List<Snapshot.Worker> workers = new ArrayList<>();
        for (JsonNode w : v.path("workers")) workers.add(worker(w, nowMs, nowNanos));
        int live = 0;
        Long uptime = null;
        Long beat = null;
        Double cpuSum = null;
        Long rss = null;
        Long heap = null;
        String health = null;
        for (Snapshot.Worker w : workers) {
            if (w.pid() == null) continue;
            live++;
            uptime = max(uptime, w.uptimeMs());
            beat = max(beat, w.heartbeatAgeMs());
            if (w.cpuPercent() != null) cpuSum = cpuSum == null ? w.cpuPercent() : Double.valueOf(cpuSum + w.cpuPercent());
            rss = add(rss, w.rssBytes());
            heap = add(heap, w.heapBytes());
            health = worse(health, w.health());
        }
        return new Snapshot.Vassal(v.path("name").asText(), v.path("state").asText("?"),
                v.path("config_error").asBoolean(false), live, workers.size(),
                v.path("restarts").asLong(0), uptime, cpuSum, rss, heap, beat, health, textOrNull(v.path("error")),
                workers);
    }

    private Snapshot.Worker worker(JsonNode w, long nowMs, long nowNanos) {
        Long pid = longOrNull(w.path("pid"));
        Long started = longOrNull(w.path("started_at_ms"));
        Long uptime = pid == null || started == null ? null : Math.max(0, nowMs - started);
        Double cpuSeconds = w.path("cpu_seconds").isNumber() ? w.path("cpu_seconds").asDouble() : null;
        Double cpuPercent = pid == null ? null : cpu.percent(pid, cpuSeconds, nowNanos);
        return new Snapshot.Worker(w.path("id").asInt(), pid, w.path("state").asText("?"), uptime,
                w.path("restarts").asLong(0), pid == null ? null : textOrNull(w.path("health")),
                pid == null ? null : longOrNull(w.path("heartbeat_age_ms")),
                pid == null ? null : w.path("heap_bytes").isNumber() ? Long.valueOf(w.path("heap_bytes").asLong())
                        : heapBytes(w.path("telemetry")), cpuPercent,
                pid == null ? null : longOrNull(w.path("rss_bytes")));
    }

    /**
     * Heap in use from a worker's telemetry, for an emperor that does not send {@code heap_bytes}: OpenTelemetry's {@code jvm.memory.used} for
     * {@code jvm.memory.type=heap} (summed over pools), or the older {@code heap.used}. The
     * OpenTelemetry form may come as a flat key carrying its attributes
     * ({@code jvm.memory.used{jvm.memory.type=heap,...}}) or as an object with a value and
     * attributes, or as a list of such points; each is accepted. Null when none is present.
     */
    static Long heapBytes(JsonNode telemetry) {
        Long sum = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = telemetry.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String key = f.getKey();
            JsonNode value = f.getValue();
            if (key.startsWith("jvm.memory.used")) {
                String attrs = key.substring("jvm.memory.used".length());
                if (attrs.isEmpty()) {
                    sum = add(sum, heapPoints(value));
                } else if (attrs.matches("[{\\[;,].*jvm\\.memory\\.type\\s*=\\s*\"?heap\\b.*") && value.isNumber()) {
                    sum = add(sum, value.asLong());
                }
            }
        }
        if (sum == null && telemetry.path("heap.used").isNumber()) sum = telemetry.path("heap.used").asLong();
        return sum;
    }

    /** A value object {@code {"value": n, "attributes": {...}}}, or an array of them: the heap points' sum. */
    private static Long heapPoints(JsonNode value) {
        if (value.isArray()) {
            Long sum = null;
            for (JsonNode p : value) sum = add(sum, heapPoints(p));
            return sum;
        }
        if (!value.isObject()) return null;
        JsonNode attributes = value.has("attributes") ? value.path("attributes") : value;
        if (!"heap".equals(attributes.path("jvm.memory.type").asText())) return null;
        return value.path("value").isNumber() ? value.path("value").asLong() : null;
    }

    private static Long add(Long sum, Long value) {
        if (value == null) return sum;
        return sum == null ? value : sum + value;
    }

    private static Long max(Long a, Long b) {
        if (a == null) return b;
        if (b == null) return a;
        return Math.max(a, b);
    }

    static String worse(String a, String b) {
        if (a == null) return b;
        if (b == null) return a;
        return rank(b) < rank(a) ? b : a;
    }

    private static int rank(String health) {
        int i = HEALTH_ORDER.indexOf(health);
        return i < 0 ? HEALTH_ORDER.indexOf("silent") : i;
    }

    private static Long longOrNull(JsonNode n) {
        return n.isNumber() ? n.asLong() : null;
    }

    private static String textOrNull(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? null : n.asText();
    }
}
