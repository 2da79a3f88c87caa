package dev.emperor.cli.top;

import java.util.Comparator;
import java.util.List;

/** The columns {@code s} cycles through; ties go by name. Biggest first for amounts, worst first for state. */
public enum SortColumn {
    NAME, STATE, CPU, RSS, RESTARTS;

    /** States from most to least in need of attention. */
    private static final List<String> STATE_ORDER = List.of("failed", "invalid", "backoff", "reloading",
            "stopping", "starting", "running", "stopped");

    public SortColumn next() {
        return values()[(ordinal() + 1) % values().length];
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    Comparator<Snapshot.Vassal> order() {
        Comparator<Snapshot.Vassal> byName = Comparator.comparing(Snapshot.Vassal::name);
        Comparator<Snapshot.Vassal> first = switch (this) {
            case NAME -> byName;
            case STATE -> Comparator.comparingInt(v -> stateRank(v.state()));
            case CPU -> Comparator.comparing(Snapshot.Vassal::cpuPercent,
                    Comparator.nullsLast(Comparator.<Double>reverseOrder()));
            case RSS -> Comparator.comparing(Snapshot.Vassal::rssBytes,
                    Comparator.nullsLast(Comparator.<Long>reverseOrder()));
            case RESTARTS -> Comparator.comparingLong(Snapshot.Vassal::restarts).reversed();
        };
        return first.thenComparing(byName);
    }

    private static int stateRank(String state) {
        int i = STATE_ORDER.indexOf(state);
        return i < 0 ? 0 : i; // an unknown state is worth a look
    }
}
