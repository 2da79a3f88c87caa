package dev.emperor.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import dev.emperor.agent.protocol.Metric;
import dev.emperor.agent.protocol.TelemetryMap;
import dev.emperor.daemon.EmperorSnapshot;
import dev.emperor.daemon.ProcUsage;
import dev.emperor.vassal.VassalState;
import dev.emperor.vassal.VassalStatus;
import dev.emperor.vassal.WorkerState;
import dev.emperor.vassal.WorkerStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** /stats per vassal and worker: what the dashboard and 'emperor top' read (the shape in docs/protocol.md). */
class StatsDocumentTest {

    @Test
    void eachWorkerHasItsUsageHeapTelemetryAndUnits() {
        Map<String, Number> telemetry = TelemetryMap.builder()
                .metric(new Metric("jvm.memory.used", "By", Metric.Kind.GAUGE,
                        Map.of("jvm.memory.type", "heap", "jvm.memory.pool.name", "G1 Eden Space"), 1000L))
                .metric(new Metric("jvm.memory.used", "By", Metric.Kind.GAUGE,
                        Map.of("jvm.memory.type", "heap", "jvm.memory.pool.name", "G1 Old Gen"), 24L))
                .metric(new Metric("jvm.memory.used", "By", Metric.Kind.GAUGE,
                        Map.of("jvm.memory.type", "non_heap", "jvm.memory.pool.name", "Metaspace"), 500L))
                .metric(new Metric("jvm.cpu.time", "s", Metric.Kind.COUNTER, Map.of(), 2.5))
                .flat("app.queue", 3L)
                .build();
        WorkerStatus jvm = new WorkerStatus(1, 4242L, WorkerState.RUNNING, 1L, 0, null, 100L, 4242L, "ok", telemetry,
                null, null, "/usr/bin/java");
        WorkerStatus gone = new WorkerStatus(2, null, WorkerState.BACKOFF, null, 1, null, null, null, "no-agent", Map.of(),
                null, null, null);
        VassalStatus v = new VassalStatus("api", Path.of("/etc/emperor/api.ini"), VassalState.RUNNING, 1,
                "bad line 3 (still running the last valid configuration)", null, List.of(jvm, gone), null, 0, null, 3, true);
        EmperorSnapshot s = new EmperorSnapshot(1, "t", 0, 10, List.of(), List.of(v), List.of(), 1, 1, 0);

        JsonNode doc = StatsDocument.json(s, new MetricRegistry(), pid -> new ProcUsage(8192, 1.25));

        JsonNode vassal = doc.path("vassals").get(0);
        assertThat(vassal.path("config_error").asBoolean()).isTrue();
        assertThat(vassal.path("start_failures").asInt()).isEqualTo(3);
        JsonNode w = vassal.path("workers").get(0);
        assertThat(w.path("rss_bytes").asLong()).isEqualTo(8192);
        assertThat(w.path("cpu_seconds").asDouble()).isEqualTo(1.25);
        assertThat(w.path("heap_bytes").asLong()).as("the heap pools added up").isEqualTo(1024);
        assertThat(w.path("telemetry").path("jvm.memory.used{jvm.memory.pool.name=G1 Eden Space,jvm.memory.type=heap}")
                .asLong()).isEqualTo(1000);
        assertThat(w.path("telemetry").path("jvm.cpu.time").asDouble()).isEqualTo(2.5);
        assertThat(w.path("telemetry").path("app.queue").asLong()).isEqualTo(3);
        assertThat(w.path("telemetry_units").path("jvm.memory.used").toString()).isEqualTo("{\"unit\":\"By\",\"kind\":\"gauge\"}");
        assertThat(w.path("telemetry_units").path("jvm.cpu.time").toString()).isEqualTo("{\"unit\":\"s\",\"kind\":\"counter\"}");
        assertThat(w.path("telemetry_units").path("app.queue").toString()).isEqualTo("{\"unit\":\"\",\"kind\":\"gauge\"}");
        JsonNode idle = vassal.path("workers").get(1);
        assertThat(idle.path("rss_bytes").isNull()).as("no process, no usage").isTrue();
        assertThat(idle.path("cpu_seconds").isNull()).isTrue();
        assertThat(idle.path("heap_bytes").isNull()).isTrue();
    }

    @Test
    void anOlderAgentsHeapStillShows() {
        WorkerStatus old = new WorkerStatus(1, 5L, WorkerState.RUNNING, 1L, 0, null, 100L, 5L, "ok",
                Map.of("heap.used", 777L), null, null, null);
        VassalStatus v = new VassalStatus("old", Path.of("/x"), VassalState.RUNNING, 0, null, null, List.of(old), null, 0, null);
        EmperorSnapshot s = new EmperorSnapshot(1, "t", 0, 10, List.of(), List.of(v), List.of(), 1, 1, 0);

        JsonNode w = StatsDocument.json(s, new MetricRegistry(), pid -> null).path("vassals").get(0).path("workers").get(0);

        assertThat(w.path("heap_bytes").asLong()).isEqualTo(777);
        assertThat(w.path("rss_bytes").isNull()).as("a process that is gone").isTrue();
        assertThat(w.path("telemetry_units").path("heap.used").path("unit").asText()).isEmpty();
    }
}
