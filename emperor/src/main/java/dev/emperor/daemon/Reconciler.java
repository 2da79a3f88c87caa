package dev.emperor.daemon;

import dev.emperor.config.ConfigLoader;
import dev.emperor.config.OptionModel;
import dev.emperor.monitor.DirectoryStatus;
import dev.emperor.monitor.VassalFile;
import dev.emperor.monitor.VassalSource;
import dev.emperor.trust.FileTrust;
import dev.emperor.vassal.Vassal;
import dev.emperor.vassal.VassalDefaults;
import dev.emperor.vassal.VassalEvent;
import dev.emperor.vassal.VassalHost;
import dev.emperor.vassal.VassalSettings;
import dev.emperor.vassal.VassalState;
import dev.emperor.vassal.VassalStatus;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Files to vassals: every scan compares the vassal files found with the vassals it keeps and
 * starts, reloads or stops vassals to match, like s6-svscan does for service directories.
 *
 * <p>It never goes blind: an entry that cannot be read becomes that vassal's error and the
 * rest is reconciled; only a directory that cannot be listed keeps its vassals as they are,
 * and then it is retried with backoff until it can be listed again. A new vassal whose
 * workers would cross the {@link FdBudget} is held (shown in {@code backoff} with the reason)
 * and started by a later scan once descriptors are free.
 *
 * <p>Used on the event loop only. A vassal that stopped is forgotten by {@link #forget}, called
 * for the loop's {@code VassalStopped} event, never from inside the vassal's own handler.
 */
final class Reconciler {

    private static final System.Logger LOG = System.getLogger("emperor");
    static final Duration MAX_RETRY = DirectoryHealth.MAX_RETRY;

    /** Queues an event on the loop after a delay. */
    @FunctionalInterface
    interface Scheduler {
        void schedule(Duration delay, EmperorEvent event);
    }

    private List<VassalSource> sources;
    private VassalFileReader reader;
    private final ConfigLoader loader;
    private final OperatorStops stops;
    private final VassalHost host;
    private final Supplier<VassalDefaults> defaults;
    private final FdBudget budget;
    private final DirectoryHealth health;
    private final Consumer<Path> watch;

    /** By name; a hash map because every heartbeat looks its vassal up (snapshots sort). */
    private final Map<String, Entry> vassals = new HashMap<>();
    /** Valid new vassals waiting for file descriptors, by name. */
    private final Map<String, Held> held = new TreeMap<>();
    private final Set<Path> conflictsLogged = new HashSet<>();
    private boolean stopping;

    Reconciler(List<VassalSource> sources, ConfigLoader loader, FileTrust trust, OptionModel inherited, VassalHost host,
               Supplier<VassalDefaults> defaults, FdBudget budget, Scheduler scheduler, LongSupplier wallClock,
               Consumer<Path> watch) {
        this(sources, loader, trust, inherited, host, defaults, budget, scheduler, wallClock, watch,
                OperatorStops.inMemory());
    }

    Reconciler(List<VassalSource> sources, ConfigLoader loader, FileTrust trust, OptionModel inherited, VassalHost host,
               Supplier<VassalDefaults> defaults, FdBudget budget, Scheduler scheduler, LongSupplier wallClock,
               Consumer<Path> watch, OperatorStops stops) {
        this.sources = List.copyOf(sources);
        this.loader = loader;
        this.stops = stops;
        this.reader = new VassalFileReader(loader, trust, inherited);
        this.host = host;
        this.defaults = defaults;
        this.budget = budget;
        this.health = new DirectoryHealth(scheduler, wallClock);
        this.watch = watch;
        health.watching(this.sources);
    }

    // ---- scanning ------------------------------------------------------------------------------

    /** One pass: list every source, then start, reload and stop vassals to match. */
    void scan() {
        if (stopping) return;
        budget.measure();
        Set<Path> unlistable = new HashSet<>();
        Map<String, VassalFile> found = list(unlistable);
        for (Entry entry : vassals.values()) {
            if (entry.removed || found.containsKey(entry.vassal.name())) continue;
            if (unlistable.contains(directoryOf(entry.file))) continue; // cannot tell: keep it
            entry.removed = true;
            LOG.log(Level.INFO, "vassal " + entry.vassal.name() + ": " + entry.file.path() + " removed; stopping it");
            entry.vassal.handle(new VassalEvent.StopRequested("file removed"));
        }
        held.values().removeIf(h -> stops.contains(h.file.name())
                || !found.containsKey(h.file.name()) && !unlistable.contains(directoryOf(h.file)));
        for (String name : stops.names()) {
            VassalFile file = found.get(name);
            if (file != null) stops.found(name, file.path());
            else if (unlistable.isEmpty()) stops.notFound(name);
        }
        for (VassalFile file : found.values()) {
            Entry entry = vassals.get(file.name());
            if (entry == null && stops.contains(file.name())) {
                // stopped by an operator: touching, editing or adding its file again does not start it
            } else if (entry == null) {
                admit(file);
            } else if (entry.removed) {
                // Comes back once the old instance has stopped (VassalStopped asks for a scan).
            } else {
                update(entry, file);
            }
        }
    }

    /**
     * A later scan found {@code file} for a kept vassal: reload it if it changed. An entry whose
     * problem cleared is compared with the last version that could be read, so a file that was
     * unreadable for a while and comes back as it was is not reloaded.
     */
    private void update(Entry entry, VassalFile file) {
        boolean cleared = file.problem().isEmpty() && entry.file.problem().isPresent() && entry.good != null;
        VassalFile base = cleared ? entry.good : entry.file;
        if (!base.changedTo(file)) {
            if (cleared || entry.refused != null) {
                LOG.log(Level.INFO, "vassal " + file.name() + ": " + file.path() + (cleared ? " can be read again"
                        : " is back to the version that runs") + " and is unchanged; not reloaded");
                entry.refused = null;
                if (entry.vassal.state() != VassalState.INVALID) {
                    entry.seen(file);
                    entry.vassal.handle(new VassalEvent.ConfigRestored());
                    return;
                }
                // invalid meanwhile (it had failed): nothing runs, so read it as a new version
            } else {
                entry.seen(file); // the same version, perhaps through a new symlink target
                return;
            }
        }
        VassalEvent event = read(file);
        if (event instanceof VassalEvent.ConfigLoaded loaded && !fits(entry, loaded.settings())) return;
        boolean moved = !entry.file.path().equals(file.path());
        entry.refused = null;
        entry.seen(file);
        LOG.log(Level.INFO, "vassal " + file.name() + ": " + file.path()
                + (moved ? " replaces the previous file" : " changed") + "; reloading");
        entry.vassal.handle(event);
    }

    /**
     * Whether a running vassal's new settings fit the descriptor budget: what they cost beyond
     * what its live workers hold now (raising {@code processes} must not blind the emperor
     * either). If not, the vassal keeps its running configuration and shows why; its file
     * version is not taken, so every later scan tries again.
     */
    private boolean fits(Entry entry, VassalSettings next) {
        Vassal v = entry.vassal;
        int holding = v.hasLiveWorkers() ? v.settings().map(FdBudget::cost).orElse(0) : 0;
        int more = FdBudget.cost(next) - holding;
        if (more <= 0 || budget.admit(more)) return true;
        if (entry.refused == null) { // once per episode: each scan would log it again
            entry.refused = "not reloaded: " + budget.refusal();
            LOG.log(Level.WARNING, "vassal " + v.name() + ": " + entry.refused + "; it keeps running as it is,"
                    + " and the change is applied by itself when descriptors are free");
            v.handle(new VassalEvent.ConfigInvalid(entry.refused));
        }
        return false;
    }

    /** The vassal files present now, by name; the first of two files with one name wins. */
    private Map<String, VassalFile> list(Set<Path> unlistable) {
        Map<String, VassalFile> found = new LinkedHashMap<>();
        Map<String, List<VassalFile>> candidates = new LinkedHashMap<>();
        for (VassalSource source : sources) {
            Path dir = source.directory();
            watch.accept(dir);
            List<VassalFile> files;
            try {
                files = source.scan();
            } catch (IOException e) {
                unlistable.add(dir);
                health.listingFailed(dir, VassalSource.inWords(e));
                continue;
            }
            health.listed(dir);
            reader.judgeDirectory(dir);
            for (VassalFile f : files) candidates.computeIfAbsent(f.name(), n -> new ArrayList<>()).add(f);
        }
        for (var named : candidates.entrySet()) {
            VassalFile chosen = holder(named.getKey(), named.getValue());
            found.put(named.getKey(), chosen);
            for (VassalFile other : named.getValue()) {
                if (!other.path().equals(chosen.path()) && conflictsLogged.add(other.path())) {
                    LOG.log(Level.WARNING, "ignoring " + other.path() + ": vassal name '" + other.name()
                            + "' is already taken by " + chosen.path() + "; rename one of them");
                }
            }
        }
        return found;
    }

    /**
     * Which of the files named {@code name} is the vassal: the one a running vassal was loaded
     * from, as long as it is there (a file of the same name appearing in an earlier directory,
     * another tenant's say, does not take over a running vassal); else the first found.
     */
    private VassalFile holder(String name, List<VassalFile> files) {
        Entry running = vassals.get(name);
        if (running != null && !running.removed) {
            for (VassalFile f : files) {
                if (f.path().equals(running.file.path())) return f;
            }
        }
        return files.get(0);
    }

    /**
     * A new vassal file: started if its workers fit the descriptor budget, else held. A held
     * file is read again at each scan (an include it names may have changed meanwhile).
     */
    private void admit(VassalFile file) {
        Held waiting = held.get(file.name());
        VassalEvent event = read(file);
        if (event instanceof VassalEvent.ConfigLoaded loaded && !budget.admit(FdBudget.cost(loaded.settings()))) {
            String why = budget.refusal();
            if (waiting == null) {
                LOG.log(Level.WARNING, "vassal " + file.name() + ": not started: " + why
                        + "; it starts by itself when descriptors are free");
            }
            held.put(file.name(), new Held(file, why));
            return;
        }
        if (held.remove(file.name()) != null) {
            LOG.log(Level.INFO, "vassal " + file.name() + ": file descriptors are free again; starting it");
        }
        Vassal vassal = new Vassal(file.name(), file.path(), host, defaults);
        vassals.put(file.name(), new Entry(vassal, file));
        vassal.handle(event);
    }

    /** What a vassal file says: its settings, or why it cannot be used (see {@link VassalFileReader}). */
    VassalEvent read(VassalFile file) {
        return reader.read(file);
    }

    private static Path directoryOf(VassalFile file) {
        return file.path().toAbsolutePath().getParent();
    }

    /** The retry timer fired: the next scan may schedule another. */
    void retryDue() {
        health.retryDue();
    }

    static Duration retryDelay(int failures) {
        return DirectoryHealth.retryDelay(failures);
    }

    List<DirectoryStatus> directories() {
        return health.statuses();
    }

    // ---- the table -----------------------------------------------------------------------------

    /** The vassal of this name that its file still asks for, if any. */
    Optional<Vassal> find(String name) {
        Entry e = vassals.get(name);
        return e == null || e.removed ? Optional.empty() : Optional.of(e.vassal);
    }

    /** The vassal kept under this name, also while it stops after its file went (its agents still talk). */
    Optional<Vassal> kept(String name) {
        Entry e = vassals.get(name);
        return e == null ? Optional.empty() : Optional.of(e.vassal);
    }

    /** Whether {@code vassal} is the one this reconciler keeps under its name (not a stopped predecessor). */
    boolean isCurrent(Vassal vassal) {
        Entry e = vassals.get(vassal.name());
        return e != null && e.vassal == vassal;
    }

    /** Vassals whose files are present (not being removed). */
    List<Vassal> active() {
        List<Vassal> list = new ArrayList<>(vassals.size());
        for (Entry e : vassals.values()) {
            if (!e.removed) list.add(e.vassal);
        }
        return list;
    }

    /** Every vassal kept, removed ones still stopping included. */
    List<Vassal> all() {
        List<Vassal> list = new ArrayList<>(vassals.size());
        for (Entry e : vassals.values()) list.add(e.vassal);
        return list;
    }

    boolean isEmpty() {
        return vassals.isEmpty();
    }

    /** Forgets a vassal that has stopped; false if it was not the current one of its name. */
    boolean forget(Vassal vassal) {
        if (!isCurrent(vassal)) return false;
        vassals.remove(vassal.name());
        return true;
    }

    /**
     * An operator's {@code emperor stop NAME}: the vassal stops gracefully and its name is
     * remembered, so no scan starts it again. False if no vassal, held file or file found by
     * the last scan has this name.
     */
    boolean stopByOperator(String name) {
        Entry e = vassals.get(name);
        boolean known = e != null && !e.removed || held.remove(name) != null || stops.fileOf(name).isPresent();
        if (!known) return false;
        if (e != null && !e.removed) {
            e.removed = true;
            e.vassal.handle(new VassalEvent.StopRequested(OperatorStops.REASON));
        }
        return true;
    }

    /** Whether a vassal of this name is still on its way out (its workers stopping). */
    boolean stillStopping(String name) {
        Entry e = vassals.get(name);
        return e != null && e.removed;
    }

    /**
     * New settings of the emperor's own (a reload): the directories to list (a directory no
     * longer listed takes its vassals with it at the next scan, gracefully), the defaults every
     * vassal inherits and the trust rules files are judged by. The caller scans next.
     */
    void reconfigure(List<VassalSource> newSources, FileTrust trust, OptionModel inherited) {
        sources = List.copyOf(newSources);
        health.watching(sources);
        reader = new VassalFileReader(loader, trust, inherited);
    }

    /**
     * Reads every running vassal's file again (after a reload of the emperor's settings) and
     * reloads, gracefully, exactly those whose effective settings changed: the file itself did
     * not, but what it inherits or how it is judged may have. Returns their names.
     */
    List<String> rereadAll() {
        List<String> changed = new ArrayList<>();
        for (Entry e : List.copyOf(vassals.values())) {
            if (e.removed || e.file.problem().isPresent()) continue;
            VassalEvent event = read(e.file);
            Vassal v = e.vassal;
            switch (event) {
                case VassalEvent.ConfigLoaded loaded -> {
                    if (v.state() != VassalState.INVALID && v.settings().equals(Optional.of(loaded.settings()))) {
                        continue;
                    }
                    if (!fits(e, loaded.settings())) continue;
                    LOG.log(Level.INFO, "vassal " + v.name() + ": its effective settings changed with the emperor's;"
                            + " reloading");
                    v.handle(loaded);
                    changed.add(v.name());
                }
                case VassalEvent.ConfigInvalid invalid -> {
                    if (v.state() == VassalState.INVALID) continue;
                    LOG.log(Level.WARNING, "vassal " + v.name() + ": invalid with the emperor's new settings; it"
                            + " keeps running as it is");
                    v.handle(invalid);
                    changed.add(v.name());
                }
                default -> throw new IllegalStateException("a file read gave " + event);
            }
        }
        return changed;
    }

    /** Stops every vassal for good (the emperor shuts down); held ones are dropped. */
    void stopAll(String reason) {
        stopping = true;
        held.clear();
        for (Entry e : vassals.values()) {
            e.vassal.handle(new VassalEvent.StopRequested(reason));
        }
    }

    /** Every vassal's status, held ones as {@code backoff} with the reason, sorted by name. */
    List<VassalStatus> statuses() {
        List<VassalStatus> list = new ArrayList<>(vassals.size() + held.size());
        for (Entry e : vassals.values()) list.add(e.vassal.status());
        for (Held h : held.values()) {
            list.add(new VassalStatus(h.file.name(), h.file.path(), VassalState.BACKOFF, 0, h.error, null, List.of(),
                    null, 0, null));
        }
        list.addAll(stops.statuses(vassals.keySet()));
        list.sort(java.util.Comparator.comparing(VassalStatus::name));
        return list;
    }

    /** A vassal and the file version it was last loaded from. */
    private static final class Entry {
        final Vassal vassal;
        VassalFile file;
        /** The last version that could be read (null: none yet). */
        VassalFile good;
        /** Why the newest version waits for descriptors, or null. */
        String refused;
        boolean removed;

        Entry(Vassal vassal, VassalFile file) {
            this.vassal = vassal;
            seen(file);
        }

        void seen(VassalFile f) {
            file = f;
            if (f.problem().isEmpty()) good = f;
        }
    }

    /** A valid vassal waiting for descriptors: its file and why it waits. */
    private record Held(VassalFile file, String error) {
    }
}
