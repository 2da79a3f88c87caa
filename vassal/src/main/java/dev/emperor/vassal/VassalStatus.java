package dev.emperor.vassal;

import java.nio.file.Path;
import java.util.List;

/** An immutable picture of one vassal, published after every transition. */
public record VassalStatus(String name, Path config, VassalState state, int restarts, String error,
                           String lastExit, List<WorkerStatus> workers) {

    public VassalStatus {
        workers = List.copyOf(workers);
    }
}
