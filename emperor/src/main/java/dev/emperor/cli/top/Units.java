package dev.emperor.cli.top;

import java.util.Locale;

/** Short forms that fit top's narrow columns; {@code -} for an unknown value. */
final class Units {

    private Units() {
    }

    /** {@code 45s}, {@code 12m03s}, {@code 5h07m}, {@code 3d04h}: two units at most, as ps and systemctl do. */
    static String duration(Long ms) {
        if (ms == null) return "-";
        long s = Math.max(0, ms / 1000);
        if (s < 60) return s + "s";
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        if (s < 86400) return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        return String.format(Locale.ROOT, "%dd%02dh", s / 86400, s % 86400 / 3600);
    }

    /** A heartbeat age: tenths of a second while under 10 s (beats are usually a few seconds apart). */
    static String age(Long ms) {
        if (ms == null) return "-";
        if (ms < 10_000) return String.format(Locale.ROOT, "%.1fs", Math.max(0, ms) / 1000.0);
        return duration(ms);
    }

    /** Bytes in at most 5 characters: {@code 812K}, {@code 9.5M}, {@code 512M}, {@code 1.3G}. */
    static String bytes(Long b) {
        if (b == null) return "-";
        String[] units = {"K", "M", "G", "T"};
        double v = Math.max(0, b) / 1024.0;
        int u = 0;
        while (v >= 999.5 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (v < 9.95 && u > 0) return String.format(Locale.ROOT, "%.1f%s", v, units[u]);
        return Math.round(v) + units[u];
    }

    /** CPU% with one decimal under 100 ({@code 3.4}), whole above ({@code 250}). */
    static String percent(Double p) {
        if (p == null) return "-";
        return p < 99.95 ? String.format(Locale.ROOT, "%.1f", p) : Long.toString(Math.round(p));
    }
}
