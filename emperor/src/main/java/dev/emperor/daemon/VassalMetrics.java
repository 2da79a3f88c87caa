package dev.emperor.daemon;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

/**
 * The emperor's own counters in the Dropwizard registry: scans (a timer that keeps its sum, for
 * the summary's {@code _sum}), spawns and spawn failures. Everything per vassal and per worker
 * (states, restarts, telemetry) is rendered from each snapshot by
 * {@code dev.emperor.stats.MetricsExposition}, so nothing here has to be kept in step with the
 * vassals. Used on the loop only.
 */
final class VassalMetrics {

    final Counter scans;
    final Timer scanTime;
    final Counter spawns;
    final Counter spawnFailures;

    VassalMetrics(MetricRegistry metrics) {
        this.scans = metrics.counter("emperor.scans");
        this.scanTime = metrics.register("emperor.scan-time", new SummingTimer());
        this.spawns = metrics.counter("emperor.spawns");
        this.spawnFailures = metrics.counter("emperor.spawn-failures");
    }

}
