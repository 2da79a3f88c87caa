package dev.emperor.daemon;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.emperor.vassal.VassalStatus;
import dev.emperor.vassal.WorkerStatus;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The emperor's counters and each vassal's metrics in the Dropwizard registry that /metrics
 * exports: scans and spawns, restart counters, and one settable gauge per telemetry key of
 * each worker ({@code vassal.NAME.worker.ID.KEY}). Per-vassal metrics go with the vassal.
 * Used on the loop only; the gauges' values are immutable maps, so the HTTP thread may read them.
 */
final class VassalMetrics {

    /** Telemetry keys published as metrics per worker (the agent may send up to 1024). */
    private static final int MAX_GAUGES_PER_WORKER = 64;

    private final MetricRegistry metrics;
    private final Map<GaugeKey, TelemetryGauges> telemetryGauges = new HashMap<>();
    final Counter scans;
    final Timer scanTime;
    final Counter spawns;
    final Counter spawnFailures;

    VassalMetrics(MetricRegistry metrics) {
        this.metrics = metrics;
        this.scans = metrics.counter("emperor.scans");
        this.scanTime = metrics.timer("emperor.scan-time");
        this.spawns = metrics.counter("emperor.spawns");
        this.spawnFailures = metrics.counter("emperor.spawn-failures");
    }

    /** A vassal's restarts and its workers' telemetry after a change of state. */
    void changed(VassalStatus status) {
        Counter restarts = metrics.counter(MetricRegistry.name("vassal", status.name(), "restarts"));
        if (status.restarts() > restarts.getCount()) restarts.inc(status.restarts() - restarts.getCount());
        for (WorkerStatus w : status.workers()) {
            if (!w.telemetry().isEmpty()) telemetry(status.name(), w.id(), w.telemetry());
        }
    }

    /**
     * Keeps each worker's latest telemetry visible in the registry. A heartbeat costs one
     * volatile write here; a gauge is registered only the first time a key appears.
     */
    void telemetry(String vassal, int worker, Map<String, Number> telemetry) {
        TelemetryGauges g = telemetryGauges.computeIfAbsent(new GaugeKey(vassal, worker), k -> new TelemetryGauges());
        if (g.latest == telemetry) return;
        g.latest = telemetry;
        if (g.sameKeysAsBefore(telemetry)) return;
        if (g.registered.size() >= MAX_GAUGES_PER_WORKER || g.registered.containsAll(telemetry.keySet())) return;
        for (String key : telemetry.keySet()) {
            if (g.registered.size() >= MAX_GAUGES_PER_WORKER) break;
            if (!g.registered.add(key)) continue;
            String name = MetricRegistry.name("vassal", vassal, "worker", Integer.toString(worker), key);
            metrics.remove(name);
            metrics.register(name, (Gauge<Number>) () -> g.latest.get(key));
        }
    }

    /** Removes every metric of a vassal that stopped. The trailing dot keeps {@code web2} when {@code web} goes. */
    void forget(String vassal) {
        telemetryGauges.keySet().removeIf(k -> k.vassal().equals(vassal));
        metrics.removeMatching(MetricFilter.startsWith("vassal." + vassal + "."));
    }

    private record GaugeKey(String vassal, int worker) {
    }

    /** The newest telemetry map of one worker slot (immutable, so the HTTP thread may read it). */
    private static final class TelemetryGauges {
        volatile Map<String, Number> latest = Map.of();
        final Set<String> registered = new HashSet<>();
        private String[] lastKeys = new String[0];

        /**
         * Whether {@code telemetry} has the keys of the previous beat, in the same order. The
         * decoder hands out the same String instance for a key it has seen, so this is a
         * pointer comparison per key, not a hash lookup: the common case of every beat.
         */
        boolean sameKeysAsBefore(Map<String, Number> telemetry) {
            boolean same = telemetry.size() == lastKeys.length;
            int i = 0;
            if (same) {
                for (String key : telemetry.keySet()) {
                    if (key != lastKeys[i++]) {
                        same = false;
                        break;
                    }
                }
            }
            if (!same) lastKeys = telemetry.keySet().toArray(new String[0]);
            return same;
        }
    }
}
