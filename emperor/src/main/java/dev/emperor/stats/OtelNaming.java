package dev.emperor.stats;

import dev.emperor.agent.protocol.Metric;
import java.util.Map;

/**
 * OpenTelemetry names to Prometheus names, by OpenTelemetry's Prometheus compatibility rules:
 * characters outside {@code [a-zA-Z0-9_:]} become {@code _} (runs of {@code _} collapse), the
 * unit (UCUM) becomes a word appended to the name ({@code By} = {@code _bytes}, {@code s} =
 * {@code _seconds}, {@code {thread}} = nothing, {@code 1} on a gauge = {@code _ratio}), and a
 * counter's samples end in {@code _total} (the writer adds it: a base name here never ends in it).
 * One rule of ours on top: a gauge never ends in a suffix Prometheus keeps for other types
 * (see {@link #RESERVED_SUFFIXES}).
 */
final class OtelNaming {

    private static final Map<String, String> UNITS = Map.ofEntries(
            Map.entry("By", "bytes"), Map.entry("KiBy", "kibibytes"), Map.entry("MiBy", "mebibytes"),
            Map.entry("GiBy", "gibibytes"), Map.entry("TiBy", "tebibytes"), Map.entry("KBy", "kilobytes"),
            Map.entry("MBy", "megabytes"), Map.entry("GBy", "gigabytes"), Map.entry("TBy", "terabytes"),
            Map.entry("bit", "bits"), Map.entry("s", "seconds"), Map.entry("ms", "milliseconds"),
            Map.entry("us", "microseconds"), Map.entry("ns", "nanoseconds"), Map.entry("min", "minutes"),
            Map.entry("h", "hours"), Map.entry("d", "days"), Map.entry("m", "meters"), Map.entry("V", "volts"),
            Map.entry("A", "amperes"), Map.entry("J", "joules"), Map.entry("W", "watts"), Map.entry("g", "grams"),
            Map.entry("Cel", "celsius"), Map.entry("Hz", "hertz"), Map.entry("%", "percent"));
    /**
     * Suffixes Prometheus keeps for counters, histograms and summaries: promtool refuses a gauge
     * named so, so such a gauge gets {@code _value} appended ({@code jvm.thread.count} =
     * {@code jvm_thread_count_value}).
     */
    private static final java.util.List<String> RESERVED_SUFFIXES = java.util.List.of("_count", "_sum", "_bucket",
            "_total", "_created", "_info");
    private static final Map<String, String> PER_UNITS = Map.of("s", "second", "m", "minute", "min", "minute",
            "h", "hour", "d", "day", "w", "week", "mo", "month", "y", "year");

    /**
     * A Prometheus family: its base name (what the client's model calls the name: no
     * {@code _total}) and its unit word, or null when the unit adds none.
     */
    record Family(String name, String unit) {
    }

    private OtelNaming() {
    }

    static Family family(String otelName, String ucum, Metric.Kind kind) {
        String unit = unitWord(ucum, kind);
        String name = sanitize(otelName, true);
        if (kind == Metric.Kind.COUNTER) name = strip(name, "_total");
        if (unit != null && !name.endsWith("_" + unit) && !name.equals(unit)) name = name + "_" + unit;
        if (kind == Metric.Kind.COUNTER) name = strip(name, "_total");
        if (kind == Metric.Kind.GAUGE) {
            for (String reserved : RESERVED_SUFFIXES) {
                if (name.endsWith(reserved)) return new Family(name + "_value", null);
            }
        }
        return new Family(name, unit);
    }

    /** The Prometheus word for a UCUM unit, or null: annotations ({@code {thread}}) and an empty unit add none. */
    static String unitWord(String ucum, Metric.Kind kind) {
        String u = ucum.replaceAll("\\{[^}]*}", "").strip();
        if (u.isEmpty()) return null;
        if (u.equals("1")) return kind == Metric.Kind.GAUGE ? "ratio" : null;
        int slash = u.indexOf('/');
        if (slash >= 0) {
            String left = u.substring(0, slash).strip();
            String right = u.substring(slash + 1).strip();
            String per = PER_UNITS.getOrDefault(right, UNITS.getOrDefault(right, right));
            String word = (left.isEmpty() || left.equals("1") ? "" : UNITS.getOrDefault(left, left) + "_") + "per_" + per;
            return emptyToNull(sanitize(word, false));
        }
        return emptyToNull(sanitize(UNITS.getOrDefault(u, u), false));
    }

    /** A label name: invalid characters to {@code _}; a leading digit or {@code __} gets a {@code key} prefix. */
    static String labelName(String key) {
        String s = sanitize(key, false);
        if (s.length() > 1 && s.charAt(0) == '_' && Character.isDigit(s.charAt(1)) && !key.startsWith("_")) s = s.substring(1);
        if (s.isEmpty()) return "key_";
        if (Character.isDigit(s.charAt(0))) return "key_" + s;
        if (key.startsWith("__")) return "key" + s; // names starting with __ are Prometheus's own
        return s;
    }

    /** Characters outside the legacy set to {@code _} (runs collapsed); a leading digit gets a {@code _}. */
    static String sanitize(String name, boolean colonAllowed) {
        StringBuilder sb = new StringBuilder(name.length() + 1);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || (colonAllowed && c == ':');
            char out = ok ? c : '_';
            if (out == '_' && !sb.isEmpty() && sb.charAt(sb.length() - 1) == '_') continue;
            sb.append(out);
        }
        if (!sb.isEmpty() && Character.isDigit(sb.charAt(0))) sb.insert(0, '_');
        return sb.toString();
    }

    private static String strip(String name, String suffix) {
        return name.endsWith(suffix) && name.length() > suffix.length() ? name.substring(0, name.length() - suffix.length()) : name;
    }

    private static String emptyToNull(String s) {
        return s.isEmpty() || s.equals("_") ? null : s;
    }
}
