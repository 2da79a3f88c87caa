package dev.emperor.daemon;

import dev.emperor.vassal.VassalStatus;
import java.util.List;

/** The emperor and its vassals at one instant, taken on the event loop. Immutable. */
public record EmperorSnapshot(long pid, String version, long startedAtMs, long uptimeMs, List<String> vassalsDirs,
                              List<VassalStatus> vassals) {

    public EmperorSnapshot {
        vassalsDirs = List.copyOf(vassalsDirs);
        vassals = List.copyOf(vassals);
    }
}
