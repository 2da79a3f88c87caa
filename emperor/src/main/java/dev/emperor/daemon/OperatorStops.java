package dev.emperor.daemon;

import dev.emperor.vassal.VassalState;
import dev.emperor.vassal.VassalStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The vassals an operator stopped ({@code emperor stop NAME}) and what status shows for them:
 * by name, whatever becomes of the file (touched, edited, removed and dropped again: it stays
 * stopped until {@code emperor start NAME}), remembered across emperor restarts through
 * {@link StoppedVassals}. Once its workers are gone a stopped vassal is shown as
 * {@code stopped} with the restarts and last exit it had, and the file found for it now.
 *
 * <p>Used on the event loop only.
 */
final class OperatorStops {

    static final String REASON = "stopped by an operator";

    private final StoppedVassals store;
    /** The vassal's last status before it was forgotten (restarts, last exit, log). */
    private final Map<String, VassalStatus> last = new HashMap<>();
    /** The file of each stopped name found by the last scan. */
    private final Map<String, Path> files = new HashMap<>();

    OperatorStops(StoppedVassals store) {
        this.store = store;
    }

    static OperatorStops inMemory() {
        return new OperatorStops(StoppedVassals.inMemory());
    }

    void load() {
        store.load();
    }

    boolean contains(String name) {
        return store.contains(name);
    }

    /** Stops {@code name} for good; the problem if that could not be written to disk. */
    Optional<String> add(String name) {
        return store.add(name);
    }

    /** Lets {@code name} run again; the problem if that could not be written to disk. */
    Optional<String> remove(String name) {
        last.remove(name);
        files.remove(name);
        return store.remove(name);
    }

    /** The vassal of a stopped name was forgotten: what status keeps showing of it. */
    void forgotten(VassalStatus status) {
        if (store.contains(status.name())) {
            last.put(status.name(), status);
            if (status.config() != null) files.put(status.name(), status.config());
        }
    }

    /** A scan found {@code file} for a stopped name. */
    void found(String name, Path file) {
        files.put(name, file);
    }

    /** A scan found no file for a stopped name. */
    void notFound(String name) {
        files.remove(name);
    }

    Set<String> names() {
        return store.names();
    }

    /** Whether {@code name} is stopped and has a file now. */
    Optional<Path> fileOf(String name) {
        return Optional.ofNullable(files.get(name));
    }

    /** Statuses of the stopped names not in {@code kept} (the table) that have or had a file, in this run. */
    List<VassalStatus> statuses(Set<String> kept) {
        List<VassalStatus> out = new ArrayList<>();
        for (String name : store.names()) {
            if (kept.contains(name)) continue;
            Path file = files.get(name);
            VassalStatus before = last.get(name);
            if (file == null && before == null) continue; // never seen in this run: nothing to show
            String error = REASON + "; 'emperor start " + name + "' starts it" + (file != null ? ""
                    : "; its file " + before.config() + " is gone, and a file of that name added later stays"
                    + " stopped too");
            out.add(new VassalStatus(name, file != null ? file : before.config(), VassalState.STOPPED,
                    before == null ? 0 : before.restarts(), error, before == null ? null : before.lastExit(), List.of(),
                    before == null ? null : before.logFile(), 0, null));
        }
        return out;
    }
}
