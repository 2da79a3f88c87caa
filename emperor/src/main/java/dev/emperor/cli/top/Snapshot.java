package dev.emperor.cli.top;

import java.util.List;

/**
 * One refresh of what {@code emperor top} shows: the emperor's own line and a row per vassal,
 * each with its workers. Unknown values are null (rendered as {@code -}).
 */
public record Snapshot(Emperor emperor, List<Vassal> vassals) {

    public Snapshot {
        vassals = List.copyOf(vassals);
    }

    /** The emperor process: pid, version and uptime. */
    public record Emperor(Long pid, String version, Long uptimeMs) {
    }

    /**
     * A vassal and its totals: workers live (with a process) out of wanted (slots), the sum of
     * its workers' CPU, RSS and heap, the uptime of its oldest live worker and the heartbeat age
     * of the one that beat least recently. {@code configError}: its file is broken now (the
     * old settings may still run; {@code error} says why).
     */
    public record Vassal(String name, String state, boolean configError, int live, int wanted, long restarts, Long uptimeMs,
            Double cpuPercent, Long rssBytes, Long heapBytes, Long heartbeatAgeMs, String health, String error,
            List<Worker> workers) {

        public Vassal {
            workers = List.copyOf(workers);
        }
    }

    /** One worker slot; {@code pid} is null when no process runs in it. */
    public record Worker(int id, Long pid, String state, Long uptimeMs, long restarts, String health,
            Long heartbeatAgeMs, Long heapBytes, Double cpuPercent, Long rssBytes) {
    }
}
