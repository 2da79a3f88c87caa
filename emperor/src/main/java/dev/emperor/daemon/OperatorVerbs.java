package dev.emperor.daemon;

import dev.emperor.vassal.Vassal;
import dev.emperor.vassal.VassalEvent;
import dev.emperor.vassal.WorkerState;
import dev.emperor.vassal.WorkerStatus;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What an operator asks of one vassal over the control socket: {@code restart}, {@code stop}
 * and {@code start}. Each answers with one line; a line starting with {@code error:} is a
 * request that could not be done (no such vassal, nothing to restart), which the CLI prints
 * and exits 1 with. Asking for what already is (stop a stopped vassal, start a running one)
 * is not an error, as with systemctl.
 *
 * <p>Used on the event loop only.
 */
final class OperatorVerbs {

    private static final System.Logger LOG = System.getLogger("emperor");

    private final Reconciler reconciler;
    private final OperatorStops stops;

    OperatorVerbs(Reconciler reconciler, OperatorStops stops) {
        this.reconciler = reconciler;
        this.stops = stops;
    }

    /**
     * Replaces every live worker of {@code name} (not a graceful reload: each worker gets its
     * stop signal, and its slot starts a new one). Only a vassal that runs workers can be
     * restarted; in any other state the answer says why not.
     */
    String restart(String name) {
        Optional<Vassal> found = reconciler.find(name);
        if (found.isEmpty()) return stoppedOrUnknown(name);
        Vassal v = found.get();
        List<WorkerStatus> live = v.status().workers().stream()
                .filter(w -> w.pid() != null && w.state() != WorkerState.STOPPING).toList();
        boolean restartable = switch (v.state()) {
            case STARTING, RUNNING, BACKOFF -> true;
            case RELOADING, STOPPING, INVALID, FAILED, STOPPED -> false;
        };
        if (!restartable || live.isEmpty()) {
            return "error: vassal " + name + " is not running (" + v.state().label() + (live.isEmpty()
                    ? ", no live worker" : "") + "); nothing restarted";
        }
        LOG.log(Level.INFO, "vassal " + name + ": restart requested by an operator: replacing " + live.size()
                + " worker(s)");
        for (WorkerStatus w : live) {
            v.handle(new VassalEvent.ReplaceWorker(w.id(), w.pid(), "restart requested by an operator"));
        }
        return "restarting " + name + ": replacing " + live.size() + " worker(s), pids "
                + live.stream().map(w -> Long.toString(w.pid())).collect(Collectors.joining(" "));
    }

    /** Stops {@code name} gracefully and keeps it stopped until {@link #start}. */
    String stop(String name) {
        if (stops.contains(name)) {
            return name + " is already stopped by an operator; 'emperor start " + name + "' starts it";
        }
        if (!StoppedVassals.validName(name)) return unknown(name);
        Optional<Vassal> running = reconciler.find(name);
        int workers = running.map(v -> (int) v.status().workers().stream().filter(w -> w.pid() != null).count())
                .orElse(0);
        if (!reconciler.stopByOperator(name)) return unknown(name);
        Optional<String> unsaved = stops.add(name);
        if (running.isEmpty()) reconciler.scan(); // a held file: status shows it stopped at once
        LOG.log(Level.INFO, "vassal " + name + ": stopped by an operator" + (workers > 0 ? " (stopping " + workers
                + " worker(s) gracefully)" : "") + "; it stays stopped until 'emperor start " + name + "'");
        return "stopping " + name + (workers > 0 ? " (" + workers + " worker(s))" : "") + "; it stays stopped,"
                + " whatever happens to its file (touched, edited, removed and added again) and across emperor"
                + " restarts, until 'emperor start " + name + "'"
                + unsaved.map(u -> "\nwarning: " + u + "; it is remembered until the emperor restarts only").orElse("");
    }

    /** Lets a stopped {@code name} run again: it starts at once if its file is there. */
    String start(String name) {
        if (!stops.contains(name)) {
            Optional<Vassal> v = reconciler.find(name);
            if (v.isEmpty()) return unknown(name);
            return name + " is not stopped (" + v.get().state().label() + "); nothing to start";
        }
        boolean hasFile = stops.fileOf(name).isPresent();
        Optional<String> unsaved = stops.remove(name);
        LOG.log(Level.INFO, "vassal " + name + ": started again by an operator");
        reconciler.scan(); // starts it now, or when its old workers are gone (VassalStopped scans again)
        String state = reconciler.find(name).map(v -> "starting " + name)
                .orElse(reconciler.stillStopping(name) ? name + " starts once its old workers are gone"
                        : hasFile ? "starting " + name
                        : name + " is no longer stopped; it has no file now, and starts when one is added");
        return state + unsaved.map(u -> "\nwarning: " + u).orElse("");
    }

    /** The answer for a verb that needs a vassal in the table: why {@code name} is not there. */
    String stoppedOrUnknown(String name) {
        if (stops.contains(name)) {
            return "error: vassal " + name + " is stopped by an operator; 'emperor start " + name + "' starts it";
        }
        return unknown(name);
    }

    private static String unknown(String name) {
        return "error: no vassal named '" + name + "'";
    }
}
