package dev.emperor.vassal;

import java.nio.file.Path;
import java.util.List;

/**
 * An immutable picture of one vassal, published after every transition.
 *
 * @param logFile     where its workers' output goes (null before it first started)
 * @param logDropped  output lines lost because the log could not keep up or be written
 * @param logError    the last error writing the log, if it is still failing
 */
public record VassalStatus(String name, Path config, VassalState state, int restarts, String error,
                           String lastExit, List<WorkerStatus> workers, Path logFile, long logDropped,
                           String logError) {

    public VassalStatus {
        workers = List.copyOf(workers);
    }
}
