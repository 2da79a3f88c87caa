package dev.emperor.daemon;

import dev.emperor.monitor.DirectoryStatus;
import dev.emperor.vassal.VassalStatus;
import java.util.List;

/**
 * The emperor and its vassals at one instant, taken on the event loop. Immutable.
 *
 * @param directories    whether each watched directory can be listed now
 * @param fdsInUse       the emperor's open file descriptors (as counted at the last scan, plus
 *                       what was admitted since)
 * @param fdLimit        its soft RLIMIT_NOFILE
 * @param internalErrors event handlers that threw (bugs), since start
 */
public record EmperorSnapshot(long pid, String version, long startedAtMs, long uptimeMs, List<String> vassalsDirs,
                              List<VassalStatus> vassals, List<DirectoryStatus> directories, int fdsInUse,
                              long fdLimit, long internalErrors) {

    public EmperorSnapshot {
        vassalsDirs = List.copyOf(vassalsDirs);
        vassals = List.copyOf(vassals);
        directories = List.copyOf(directories);
    }
}
