package dev.emperor.stats;

import dev.emperor.agent.protocol.Metric;
import dev.emperor.agent.protocol.TelemetryMap;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the workers' agents reported, as Prometheus families for one scrape: each metric its own
 * family ({@link OtelNaming}), labelled {@code vassal} and {@code worker} plus its attributes.
 * A peer never breaks the scrape: a series whose family would collide with one of ours (or
 * claim the {@code emperor_} prefix), whose kind or unit differs from the one the family takes,
 * that uses our labels, that repeats a series, or that comes after {@link #MAX_SERIES}, is left
 * out and counted by reason. A family takes the kind and unit that most vassals report (on a
 * tie: the OpenTelemetry convention for the name, then the most series), so one agent cannot
 * take a family away from every other vassal by reporting it first. Not thread-safe: one per
 * scrape.
 */
final class AgentFamilies {

    /** Series from all agents in one scrape; 1,000 workers with a JVM's ~60 each fit. */
    static final int MAX_SERIES = 200_000;
    static final List<String> REASONS = List.of("collision", "conflict", "duplicate", "label", "limit");

    private static final String[] SUFFIXES = {"", "_total", "_created", "_count", "_sum", "_bucket", "_info",
            "_gcount", "_gsum"};

    /** Every name a sample of ours may carry, to the family that owns it. */
    private final Map<String, String> owner = new HashMap<>();
    private final Map<String, Family> families = new LinkedHashMap<>();
    private final Map<String, Integer> dropped = new TreeMap<>();
    private int series;
    /** Series by family name, until the families' shapes are decided ({@link #settle}). */
    private final Map<String, List<Pending>> pending = new LinkedHashMap<>();
    private int pendingCount;
    private boolean settled;

    private record Pending(String vassal, String worker, Metric metric, OtelNaming.Family family) {
        Shape shape() {
            return new Shape(metric.kind(), family.unit());
        }
    }

    private record Shape(Metric.Kind kind, String unit) {
    }

    /** The kinds of the OpenTelemetry runtime metrics our agents send: a tie goes to the convention. */
    private static final Map<String, Metric.Kind> CONVENTION = Map.ofEntries(
            Map.entry("jvm.gc.duration", Metric.Kind.COUNTER), Map.entry("jvm.gc.count", Metric.Kind.COUNTER),
            Map.entry("jvm.class.loaded", Metric.Kind.COUNTER), Map.entry("jvm.class.unloaded", Metric.Kind.COUNTER),
            Map.entry("jvm.cpu.time", Metric.Kind.COUNTER), Map.entry("process.cpu.time", Metric.Kind.COUNTER),
            Map.entry("agent.cpu.time", Metric.Kind.COUNTER), Map.entry("jvm.memory.used", Metric.Kind.GAUGE),
            Map.entry("jvm.memory.committed", Metric.Kind.GAUGE), Map.entry("jvm.memory.limit", Metric.Kind.GAUGE),
            Map.entry("jvm.thread.count", Metric.Kind.GAUGE), Map.entry("jvm.class.count", Metric.Kind.GAUGE),
            Map.entry("process.memory.usage", Metric.Kind.GAUGE), Map.entry("process.memory.virtual", Metric.Kind.GAUGE),
            Map.entry("process.thread.count", Metric.Kind.GAUGE), Map.entry("process.uptime", Metric.Kind.GAUGE));

    private static final class Family {
        final String name;
        final Metric.Kind kind;
        final String unit;
        final String help;
        final List<Labels> labels = new ArrayList<>();
        final List<Double> values = new ArrayList<>();
        final Set<Labels> seen = new HashSet<>();

        Family(String name, Metric.Kind kind, String unit, String help) {
            this.name = name;
            this.kind = kind;
            this.unit = unit;
            this.help = help;
        }
    }

    /** {@code ours}: the names of the families the emperor renders itself (what agents may not take). */
    AgentFamilies(Iterable<String> ours) {
        for (String name : ours) {
            for (String suffix : SUFFIXES) owner.put(name + suffix, name);
        }
        for (String reason : REASONS) dropped.put(reason, 0);
    }

    /** Adds every series of one worker's telemetry. */
    void add(String vassal, int worker, Map<String, Number> telemetry) {
        if (telemetry.isEmpty()) return;
        String id = Integer.toString(worker);
        if (telemetry instanceof TelemetryMap t) {
            for (String key : t.keySet()) add(vassal, id, t.metric(key));
            return;
        }
        for (Map.Entry<String, Number> e : telemetry.entrySet()) { // not from the decoder: checked here
            Number v = e.getValue();
            if (v == null || !Double.isFinite(v.doubleValue()) || e.getKey().isEmpty()) continue;
            add(vassal, id, Metric.flat(e.getKey(), v instanceof Long ? v : (Number) v.doubleValue()));
        }
    }

    private void add(String vassal, String worker, Metric m) {
        if (settled) throw new IllegalStateException("series added after the families were read");
        if (pendingCount >= MAX_SERIES) {
            drop("limit");
            return;
        }
        OtelNaming.Family f = OtelNaming.family(m.name(), m.unit(), m.kind());
        String name = f.name();
        if (name.isEmpty() || name.startsWith("emperor_") || !PrometheusNaming.isValidLegacyMetricName(name)) {
            drop("collision");
            return;
        }
        pending.computeIfAbsent(name, k -> new ArrayList<>()).add(new Pending(vassal, worker, m, f));
        pendingCount++;
    }

    /** Decides each family's kind and unit by its vassals' vote, then takes the series that agree. */
    private void settle() {
        if (settled) return;
        settled = true;
        for (List<Pending> all : pending.values()) {
            Map<Shape, Set<String>> voters = new LinkedHashMap<>();
            Map<Shape, Integer> count = new HashMap<>();
            for (Pending p : all) {
                voters.computeIfAbsent(p.shape(), k -> new HashSet<>()).add(p.vassal());
                count.merge(p.shape(), 1, Integer::sum);
            }
            Metric.Kind convention = CONVENTION.get(all.getFirst().metric().name());
            Shape winner = null;
            for (Shape s : voters.keySet()) { // in order first seen: the last tie-break
                if (winner == null || better(s, winner, voters, count, convention)) winner = s;
            }
            for (Pending p : all) {
                if (p.shape().equals(winner)) take(p.vassal(), p.worker(), p.metric(), p.family());
                else drop("conflict");
            }
        }
        pending.clear();
    }

    private static boolean better(Shape a, Shape b, Map<Shape, Set<String>> voters, Map<Shape, Integer> count,
                                  Metric.Kind convention) {
        int byVassals = Integer.compare(voters.get(a).size(), voters.get(b).size());
        if (byVassals != 0) return byVassals > 0;
        if (convention != null && (a.kind() == convention) != (b.kind() == convention)) return a.kind() == convention;
        return count.get(a) > count.get(b);
    }

    private void take(String vassal, String worker, Metric m, OtelNaming.Family f) {
        if (series >= MAX_SERIES) {
            drop("limit");
            return;
        }
        String name = f.name();
        Family family = families.get(name);
        if (family == null) {
            for (String exposed : exposedNames(name, m.kind())) {
                if (owner.containsKey(exposed)) {
                    drop("collision");
                    return;
                }
            }
            family = new Family(name, m.kind(), f.unit(), help(m));
            families.put(name, family);
            for (String exposed : exposedNames(name, m.kind())) owner.put(exposed, name);
        } else if (family.kind != m.kind() || !java.util.Objects.equals(family.unit, f.unit())) {
            drop("conflict");
            return;
        }
        Labels labels = labels(vassal, worker, m.attributes());
        if (labels == null) {
            drop("label");
            return;
        }
        if (!family.seen.add(labels)) {
            drop("duplicate");
            return;
        }
        family.labels.add(labels);
        family.values.add(m.value().doubleValue());
        series++;
    }

    private static List<String> exposedNames(String name, Metric.Kind kind) {
        return switch (kind) {
            case GAUGE -> List.of(name);
            case COUNTER -> List.of(name, name + "_total", name + "_created");
        };
    }

    /**
     * Names the metric as the agents sent it. A flat name may hold any character: only printable
     * ASCII other than quote and backslash is kept (the text format escapes neither in HELP).
     */
    private static String help(Metric m) {
        String text = "Reported by the workers' agents as " + m.name() + (m.unit().isEmpty() ? "" : " (" + m.unit() + ")")
                + ", a " + m.kind().wireName() + ".";
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
        }
        return sb.toString();
    }

    /**
     * {@code vassal}, {@code worker} and the attributes as labels; attributes whose names
     * become the same label are joined with {@code ;} in the order of their names (the
     * compatibility rule); null when an attribute would take one of our labels.
     */
    private static Labels labels(String vassal, String worker, Map<String, String> attributes) {
        Map<String, String> byLabel = new TreeMap<>();
        for (Map.Entry<String, String> a : attributes.entrySet()) { // sorted by attribute name
            String label = OtelNaming.labelName(a.getKey());
            if (label.equals("vassal") || label.equals("worker")) return null;
            byLabel.merge(label, a.getValue(), (x, y) -> x + ";" + y);
        }
        String[] names = new String[byLabel.size() + 2];
        String[] values = new String[names.length];
        names[0] = "vassal";
        values[0] = vassal;
        names[1] = "worker";
        values[1] = worker;
        int i = 2;
        for (Map.Entry<String, String> e : byLabel.entrySet()) {
            names[i] = e.getKey();
            values[i++] = e.getValue();
        }
        return Labels.of(names, values);
    }

    private void drop(String reason) {
        dropped.merge(reason, 1, Integer::sum);
    }

    /** Series left out of this scrape, by reason (every reason present). */
    Map<String, Integer> dropped() {
        settle();
        return dropped;
    }

    List<MetricSnapshot> snapshots() {
        settle();
        List<MetricSnapshot> out = new ArrayList<>(families.size());
        for (Family f : families.values()) {
            MetricMetadata meta = new MetricMetadata(f.name, f.help, unit(f));
            out.add(switch (f.kind) {
                case GAUGE -> {
                    List<GaugeSnapshot.GaugeDataPointSnapshot> points = new ArrayList<>(f.values.size());
                    for (int i = 0; i < f.values.size(); i++) {
                        points.add(new GaugeSnapshot.GaugeDataPointSnapshot(f.values.get(i), f.labels.get(i), null));
                    }
                    yield new GaugeSnapshot(meta, points);
                }
                case COUNTER -> {
                    List<CounterSnapshot.CounterDataPointSnapshot> points = new ArrayList<>(f.values.size());
                    for (int i = 0; i < f.values.size(); i++) {
                        points.add(new CounterSnapshot.CounterDataPointSnapshot(f.values.get(i), f.labels.get(i), null, 0));
                    }
                    yield new CounterSnapshot(meta, points);
                }
            });
        }
        return out;
    }

    /** The unit for the model, when it is one it accepts (the name ends with it by construction). */
    private static Unit unit(Family f) {
        if (f.unit == null || !f.name.endsWith("_" + f.unit) || !PrometheusNaming.isValidUnitName(f.unit)) return null;
        return new Unit(f.unit);
    }
}
