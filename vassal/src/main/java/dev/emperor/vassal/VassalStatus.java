package dev.emperor.vassal;

import java.nio.file.Path;
import java.util.List;

/**
 * An immutable picture of one vassal, published after every transition.
 *
 * @param logFile     where its workers' output goes (null before it first started)
 * @param logDropped  output lines lost because the log could not keep up or be written
 * @param logError    the last error writing the log, if it is still failing
 * @param restarts      unplanned relaunches of its workers: after a crash, a hang, or a start
 *                      that failed (a program that does not exist is retried, and counted)
 * @param startFailures workers (or preloads) that could not be started or died before they
 *                      were ready
 * @param configError   the file is broken or invalid: while {@code state} is not
 *                      {@link VassalState#INVALID} the last valid configuration still runs
 */
public record VassalStatus(String name, Path config, VassalState state, int restarts, String error,
                           String lastExit, List<WorkerStatus> workers, Path logFile, long logDropped,
                           String logError, int startFailures, boolean configError) {

    public VassalStatus {
        workers = List.copyOf(workers);
    }

    /** A vassal known without its own history (a placeholder): no start failures, an error only when invalid. */
    public VassalStatus(String name, Path config, VassalState state, int restarts, String error, String lastExit,
                        List<WorkerStatus> workers, Path logFile, long logDropped, String logError) {
        this(name, config, state, restarts, error, lastExit, workers, logFile, logDropped, logError, 0,
                state == VassalState.INVALID);
    }
}
