package dev.emperor.daemon;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.emperor.agent.WorkerEnvironment;
import dev.emperor.agent.protocol.Message;
import dev.emperor.heartbeat.AgentServer;
import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader;
import dev.emperor.daemon.EmperorEvent.ForVassal;
import dev.emperor.daemon.EmperorEvent.Reload;
import dev.emperor.daemon.EmperorEvent.Rescan;
import dev.emperor.daemon.EmperorEvent.RssCheck;
import dev.emperor.daemon.EmperorEvent.SweepEscapees;
import dev.emperor.daemon.EmperorEvent.Shutdown;
import dev.emperor.daemon.EmperorEvent.TakeSnapshot;
import dev.emperor.monitor.DirectoryWatcher;
import dev.emperor.monitor.VassalFile;
import dev.emperor.monitor.VassalSource;
import dev.emperor.vassal.Cancellable;
import dev.emperor.vassal.Throttle;
import dev.emperor.vassal.Vassal;
import dev.emperor.vassal.VassalEvent;
import dev.emperor.vassal.VassalHost;
import dev.emperor.vassal.VassalSettings;
import dev.emperor.vassal.VassalState;
import dev.emperor.vassal.VassalStatus;
import dev.emperor.vassal.process.LaunchException;
import dev.emperor.vassal.process.LaunchSpec;
import dev.emperor.vassal.process.LogTarget;
import dev.emperor.vassal.process.Posix;
import dev.emperor.vassal.process.Signal;
import dev.emperor.vassal.process.ChildReaper;
import dev.emperor.vassal.process.ExitStatus;
import dev.emperor.vassal.process.WorkerLauncher;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reconciles files to vassals: every scan compares the vassal files found with the vassals
 * running and starts, reloads or stops vassals to match, like s6-svscan does for service
 * directories. All of its state is owned by the {@link EventLoop}; nothing here is touched
 * from another thread except {@link #post}.
 */
public final class Emperor {

    private static final System.Logger LOG = System.getLogger("emperor");
    /** Events from inotify within this window are coalesced into one scan. */
    private static final Duration DEBOUNCE = Duration.ofMillis(30);
    /** Stops within this window share one pass over /proc. */
    private static final Duration SWEEP_DELAY = Duration.ofMillis(100);
    /** Telemetry keys published as metrics per worker (the agent may send up to 1024). */
    private static final int MAX_GAUGES_PER_WORKER = 64;
    /** The heartbeat interval asked of agents in vassals that did not set one. */
    private static final long DEFAULT_HEARTBEAT_MS = 10_000;
    /** Rotated logs kept beside the current one ({@code NAME.log.1} .. {@code .5}). */
    private static final int LOG_FILES_KEPT = 5;
    /** How often resident memory is read for vassals with reload-on-rss (the kernel cannot tell us). */
    private static final Duration RSS_CHECK = Duration.ofSeconds(2);

    private final EmperorSettings settings;
    private final WorkerLauncher launcher;
    private final ChildReaper reaper;
    private final ConfigLoader loader;
    private final MetricRegistry metrics;
    private final EventLoop loop;
    private final Host host = new Host();
    private final Map<String, String> baseEnvironment;
    private final long startedMono = System.nanoTime();
    private final long startedWall = System.currentTimeMillis();
    private final String version;

    // ---- loop-owned state ----
    /** By name; a hash map because every heartbeat looks its vassal up (snapshots sort). */
    private final Map<String, Entry> vassals = new HashMap<>();
    private final Map<String, LogTarget> logs = new HashMap<>();
    private final Map<GaugeKey, TelemetryGauges> telemetryGauges = new HashMap<>();
    /** Stopped vassals whose escaped processes (setsid daemons) are still to be looked for. */
    private final Set<String> sweepPending = new HashSet<>();
    private final Set<Path> unreadableDirs = new HashSet<>();
    private final Set<Path> conflictsLogged = new HashSet<>();
    private boolean shuttingDown;
    private DirectoryWatcher watcher;
    private AgentServer agentServer;
    private final Agents agents = new Agents();
    /** The token each live worker slot was given ("vassal/worker" -> token). */
    private final Map<String, String> tokens = new HashMap<>();
    private final java.security.SecureRandom random = new java.security.SecureRandom();
    private Optional<Path> agentJar = Optional.empty();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    /** Set by the watcher thread, cleared by the loop: at most one scan queued at a time. */
    private final AtomicBoolean scanQueued = new AtomicBoolean();

    private final Counter scans;
    private final Timer scanTime;
    private final Counter spawns;
    private final Counter spawnFailures;

    public Emperor(EmperorSettings settings, WorkerLauncher launcher, ChildReaper reaper, ConfigLoader loader,
                   MetricRegistry metrics, String version) {
        this.settings = settings;
        this.launcher = launcher;
        this.reaper = reaper;
        this.loader = loader;
        this.metrics = metrics;
        this.version = version;
        this.loop = new EventLoop(this::handle);
        Map<String, String> env = new HashMap<>(System.getenv());
        // Meant for the emperor itself (systemd), not for its vassals.
        env.remove("NOTIFY_SOCKET");
        env.remove("LISTEN_PID");
        env.remove("LISTEN_FDS");
        env.remove("LISTEN_FDNAMES");
        // An emperor run as another emperor's vassal must not hand its own identity down.
        env.remove(WorkerEnvironment.SOCKET);
        env.remove(WorkerEnvironment.TOKEN);
        env.put(OrphanSweeper.RUN_DIR_VARIABLE, settings.runDir().toString());
        this.baseEnvironment = Map.copyOf(env);
        this.scans = metrics.counter("emperor.scans");
        this.scanTime = metrics.timer("emperor.scan-time");
        this.spawns = metrics.counter("emperor.spawns");
        this.spawnFailures = metrics.counter("emperor.spawn-failures");
    }

    /** Starts watching and supervising; returns at once. */
    public void start() throws IOException {
        List<Long> leftovers = OrphanSweeper.sweep(settings.runDir());
        if (!leftovers.isEmpty()) {
            LOG.log(Level.WARNING, "killed " + leftovers.size() + " process(es) left behind by an emperor that died"
                    + " hard with this run dir: pids " + leftovers);
        }
        watcher = new DirectoryWatcher(this::fileEvent);
        watcher.start();
        agentJar = AgentJar.install(settings.agentJar());
        agentServer = new AgentServer(settings.agentSocket(), in -> loop.post(new EmperorEvent.FromAgent(in)));
        agentServer.start();
        loop.post(new Rescan(Rescan.Why.START_UP));
        schedulePeriodicRescan();
        loop.schedule(RSS_CHECK, new RssCheck());
    }

    /** Completes with the process exit code once every vassal has stopped after a shutdown. */
    public CompletableFuture<Integer> exitCode() {
        return exit;
    }

    public void post(EmperorEvent event) {
        loop.post(event);
    }

    public CompletableFuture<EmperorSnapshot> snapshot() {
        CompletableFuture<EmperorSnapshot> reply = new CompletableFuture<>();
        loop.post(new TakeSnapshot(reply));
        return reply;
    }

    // ---- the loop ----------------------------------------------------------------------------

    private void handle(EmperorEvent event) {
        switch (event) {
            case Rescan e -> rescan(e.why());
            case ForVassal e -> e.vassal().handle(e.event());
            case Reload e -> e.reply().complete(reload(e.name()));
            case TakeSnapshot e -> e.reply().complete(takeSnapshot());
            case Shutdown e -> shutdown(e.reason());
            case RssCheck e -> checkRss();
            case SweepEscapees e -> sweepEscapees();
            case EmperorEvent.FromAgent e -> e.batch().forEach(agents::handle);
        }
    }

    private void fileEvent() {
        if (scanQueued.compareAndSet(false, true)) {
            loop.schedule(DEBOUNCE, new Rescan(Rescan.Why.FILE_EVENT));
        }
    }

    private void schedulePeriodicRescan() {
        loop.schedule(settings.rescanInterval(), new Rescan(Rescan.Why.PERIODIC));
    }

    private void rescan(Rescan.Why why) {
        switch (why) {
            case FILE_EVENT -> scanQueued.set(false);
            case PERIODIC -> schedulePeriodicRescan();
            case START_UP, VASSAL_STOPPED -> {
            }
        }
        if (shuttingDown) return;
        scans.inc();
        try (Timer.Context ignored = scanTime.time()) {
            reconcile(scanSources());
            checkTouchReload();
        }
    }

    /** The vassal files present now, by name; the first of two files with one name wins. */
    private Map<String, VassalFile> scanSources() {
        Map<String, VassalFile> found = new LinkedHashMap<>();
        for (VassalSource source : settings.sources()) {
            watcher.watch(source.directory());
            List<VassalFile> files;
            try {
                files = source.scan();
                if (unreadableDirs.remove(source.directory())) {
                    LOG.log(Level.INFO, "vassal directory " + source.directory() + " is readable again");
                }
            } catch (IOException e) {
                if (unreadableDirs.add(source.directory())) {
                    LOG.log(Level.ERROR, "cannot read vassal directory " + source.directory() + " (" + e
                            + "); its vassals keep running as they are until it is back");
                }
                continue;
            }
            for (VassalFile f : files) {
                VassalFile first = found.putIfAbsent(f.name(), f);
                if (first != null && !first.path().equals(f.path()) && conflictsLogged.add(f.path())) {
                    LOG.log(Level.WARNING, "ignoring " + f.path() + ": vassal name '" + f.name()
                            + "' is already taken by " + first.path() + "; rename one of them");
                }
            }
        }
        return found;
    }

    private void reconcile(Map<String, VassalFile> found) {
        for (Entry entry : List.copyOf(vassals.values())) {
            if (entry.removed || found.containsKey(entry.vassal.name())) continue;
            if (unreadableDirs.contains(entry.file.path().toAbsolutePath().getParent())) continue;
            entry.removed = true;
            LOG.log(Level.INFO, "vassal " + entry.vassal.name() + ": " + entry.file.path() + " removed; stopping it");
            entry.vassal.handle(new VassalEvent.StopRequested("file removed"));
        }
        for (VassalFile file : found.values()) {
            Entry entry = vassals.get(file.name());
            if (entry == null) {
                entry = new Entry(new Vassal(file.name(), file.path(), host, vassalDefaults()), file);
                vassals.put(file.name(), entry);
                load(entry);
            } else if (entry.removed) {
                // Comes back once the old instance has stopped (see Host.changed).
            } else if (!entry.file.equals(file)) {
                boolean moved = !entry.file.path().equals(file.path());
                entry.file = file;
                LOG.log(Level.INFO, "vassal " + file.name() + ": " + file.path()
                        + (moved ? " replaces the previous file" : " changed") + "; reloading");
                load(entry);
            }
        }
    }

    /**
     * Reloads vassals whose touch-reload files changed since the last look. Their folders are
     * watched like the vassal directories, so a touch is seen at once.
     */
    private void checkTouchReload() {
        for (Entry entry : vassals.values()) {
            List<Path> paths = entry.vassal.settings().map(s -> s.reload().touchReload()).orElse(List.of());
            if (paths.isEmpty() && entry.touchStamps.isEmpty()) continue;
            Map<Path, Object> now = new HashMap<>();
            for (Path p : paths) {
                if (p.getParent() != null) watcher.watch(p.getParent());
                now.put(p, stamp(p));
            }
            for (Path p : paths) {
                if (entry.touchStamps.containsKey(p) && !java.util.Objects.equals(entry.touchStamps.get(p), now.get(p))
                        && now.get(p) != null && !entry.removed) {
                    LOG.log(Level.INFO, "vassal " + entry.vassal.name() + ": touch-reload file " + p + " changed");
                    entry.vassal.handle(new VassalEvent.ReloadRequested("touch-reload " + p));
                    break;
                }
            }
            entry.touchStamps = now;
        }
    }

    private static Object stamp(Path p) {
        try {
            var a = java.nio.file.Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
            return List.of(a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), a.size(),
                    String.valueOf(a.fileKey()));
        } catch (IOException e) {
            return null;
        }
    }

    /** Replaces workers whose resident memory passed their vassal's reload-on-rss. */
    private void checkRss() {
        loop.schedule(RSS_CHECK, new RssCheck());
        if (shuttingDown) return;
        for (Entry entry : vassals.values()) {
            long limitMb = entry.vassal.settings().map(s -> s.reload().reloadOnRssMb()).orElse(0L);
            if (limitMb <= 0) continue;
            for (var w : entry.vassal.status().workers()) {
                if (w.pid() == null) continue;
                long rss = ProcessMemory.residentBytes(w.pid());
                if (rss > limitMb << 20) {
                    entry.vassal.handle(new VassalEvent.ReplaceWorker(w.id(), w.pid(), "uses " + (rss >> 20)
                            + " MB resident, over reload-on-rss = " + limitMb + " MB"));
                }
            }
        }
    }

    /**
     * A worker that left its process group (setsid) is not reached by the group's SIGKILL;
     * once its vassal has stopped, it is found by its environment and killed.
     */
    private void sweepEscapees() {
        if (sweepPending.isEmpty()) return;
        Set<Long> live = new HashSet<>();
        for (Entry entry : vassals.values()) {
            for (var w : entry.vassal.status().workers()) {
                if (w.pid() != null) live.add(w.pid());
            }
        }
        List<Long> killed = OrphanSweeper.sweep(settings.runDir(), Set.copyOf(sweepPending), live);
        if (!killed.isEmpty()) {
            LOG.log(Level.WARNING, "killed " + killed.size() + " process(es) that had left their worker's process"
                    + " group (vassal(s) " + sweepPending + " stopped): pids " + killed);
        }
        sweepPending.clear();
        if (shuttingDown) exitWhenDone(0);
    }

    private dev.emperor.vassal.VassalDefaults vassalDefaults() {
        return new dev.emperor.vassal.VassalDefaults(settings.throttle(), settings.requiredHeartbeat(), agentJar,
                settings.logDir());
    }

    private void load(Entry entry) {
        Path path = entry.file.path();
        VassalEvent event;
        try {
            ConfigLoader.LoadedConfig loaded = loader.loadVassal(path);
            if (!settings.vassalDefaults().isEmpty()) {
                loaded = dev.emperor.config.Inheritance.apply(settings.vassalDefaults(), loaded, loader);
            }
            event = new VassalEvent.ConfigLoaded(VassalSettings.from(entry.vassal.name(), loaded));
        } catch (ConfigException e) {
            event = new VassalEvent.ConfigInvalid(String.join("; ", e.errors().stream().map(Object::toString).toList()));
        }
        entry.vassal.handle(event);
    }

    private String reload(String name) {
        if (shuttingDown) return "the emperor is shutting down";
        if (name == null) {
            int n = 0;
            for (Entry entry : List.copyOf(vassals.values())) {
                if (!entry.removed) {
                    entry.vassal.handle(new VassalEvent.ReloadRequested("reload requested for all vassals"));
                    n++;
                }
            }
            return "reloading " + n + " vassal(s)";
        }
        Entry entry = vassals.get(name);
        if (entry == null || entry.removed) return "no vassal named '" + name + "'";
        entry.vassal.handle(new VassalEvent.ReloadRequested("reload requested"));
        return "reloading " + name + " (" + entry.vassal.state().label() + ")";
    }

    private EmperorSnapshot takeSnapshot() {
        List<VassalStatus> list = new ArrayList<>(vassals.size());
        for (Entry entry : vassals.values()) {
            list.add(entry.vassal.status());
        }
        list.sort(java.util.Comparator.comparing(VassalStatus::name));
        long uptime = (System.nanoTime() - startedMono) / 1_000_000;
        return new EmperorSnapshot(ProcessHandle.current().pid(), version, startedWall, uptime,
                settings.sources().stream().map(s -> s.directory().toString()).distinct().toList(), list);
    }

    private void shutdown(String reason) {
        if (shuttingDown) {
            LOG.log(Level.WARNING, "second stop request (" + reason + "): sending SIGKILL to every worker now");
            for (Entry entry : vassals.values()) {
                for (var w : entry.vassal.status().workers()) {
                    if (w.pid() != null) host.signalGroup(w.pid(), Signal.KILL);
                }
            }
            exitWhenDone(1);
            return;
        }
        shuttingDown = true;
        LOG.log(Level.INFO, "shutting down (" + reason + "): stopping " + vassals.size() + " vassal(s)"
                + " gracefully; send the signal again to kill them at once");
        try {
            if (watcher != null) watcher.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the watcher: " + e);
        }
        for (Entry entry : List.copyOf(vassals.values())) {
            entry.vassal.handle(new VassalEvent.StopRequested("emperor shutting down"));
        }
        exitWhenDone(0);
    }

    private int pendingExit = -1;

    private void exitWhenDone(int code) {
        pendingExit = Math.max(pendingExit, code);
        if (vassals.isEmpty() && sweepPending.isEmpty() && !exit.isDone()) {
            LOG.log(Level.INFO, "all vassals stopped; bye");
            try {
                if (agentServer != null) agentServer.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing the agent socket: " + e);
            }
            loop.shutdown();
            exit.complete(pendingExit);
        }
    }

    /**
     * Keeps each worker's latest telemetry visible in the registry. A heartbeat costs one
     * volatile write here; a gauge is registered only the first time a key appears.
     */
    private void publishTelemetry(String vassal, int worker, Map<String, Number> telemetry) {
        TelemetryGauges g = telemetryGauges.computeIfAbsent(new GaugeKey(vassal, worker), k -> new TelemetryGauges());
        if (g.latest == telemetry) return;
        g.latest = telemetry;
        if (g.sameKeysAsBefore(telemetry)) return;
        if (g.registered.size() >= MAX_GAUGES_PER_WORKER || g.registered.containsAll(telemetry.keySet())) return;
        for (String key : telemetry.keySet()) {
            if (g.registered.size() >= MAX_GAUGES_PER_WORKER) break;
            if (!g.registered.add(key)) continue;
            String name = MetricRegistry.name("vassal", vassal, "worker", Integer.toString(worker), key);
            metrics.remove(name);
            metrics.register(name, (com.codahale.metrics.Gauge<Number>) () -> g.latest.get(key));
        }
    }

    private record GaugeKey(String vassal, int worker) {
    }

    /** A vassal and the file version it was last loaded from. */
    private static final class Entry {
        final Vassal vassal;
        VassalFile file;
        boolean removed;
        /** Last seen fingerprint of each touch-reload file (null: missing). */
        Map<Path, Object> touchStamps = Map.of();

        Entry(Vassal vassal, VassalFile file) {
            this.vassal = vassal;
            this.file = file;
        }
    }

    /** The newest telemetry map of one worker slot (immutable, so the HTTP thread may read it). */
    private static final class TelemetryGauges {
        volatile Map<String, Number> latest = Map.of();
        final Set<String> registered = new HashSet<>();
        private String[] lastKeys = new String[0];

        /**
         * Whether {@code telemetry} has the keys of the previous beat, in the same order. The
         * decoder hands out the same String instance for a key it has seen, so this is a
         * pointer comparison per key, not a hash lookup: the common case of every beat.
         */
        boolean sameKeysAsBefore(Map<String, Number> telemetry) {
            boolean same = telemetry.size() == lastKeys.length;
            int i = 0;
            if (same) {
                for (String key : telemetry.keySet()) {
                    if (key != lastKeys[i++]) {
                        same = false;
                        break;
                    }
                }
            }
            if (!same) lastKeys = telemetry.keySet().toArray(new String[0]);
            return same;
        }
    }

    /**
     * Who is on the other end of an agent connection. A hello is accepted only with the token
     * given to that worker slot, from a process in the worker's own session (setsid made the
     * worker its leader), running as the worker's user; everything else is refused and logged.
     */
    private final class Agents {

        void handle(AgentServer.Inbound in) {
            switch (in) {
                case AgentServer.HelloFrom h -> hello(h);
                case AgentServer.MessageFrom m -> message(m);
                case AgentServer.Closed c -> {
                    Entry entry = vassals.get(c.worker().vassal());
                    if (entry != null) entry.vassal.handle(new VassalEvent.AgentDisconnected(c.worker().worker(),
                            c.worker().workerPid(), c.peerPid(), c.why()));
                }
            }
        }

        private void hello(AgentServer.HelloFrom h) {
            var hello = h.hello();
            Entry entry = vassals.get(hello.vassal());
            String expected = tokens.get(hello.vassal() + "/" + hello.worker());
            java.util.OptionalLong workerPid = entry == null ? java.util.OptionalLong.empty()
                    : entry.vassal.workerPid(hello.worker());
            String refusal = null;
            if (entry == null || expected == null || workerPid.isEmpty()) {
                refusal = "no live worker " + hello.worker() + " of a vassal named '" + hello.vassal() + "'";
            } else if (!java.security.MessageDigest.isEqual(expected.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    hello.token().getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                refusal = "wrong token for vassal " + hello.vassal() + " worker " + hello.worker();
            } else if (h.peerPid() > 0 && h.peerPid() != hello.pid()) {
                refusal = "hello says pid " + hello.pid() + " but the socket belongs to pid " + h.peerPid();
            } else if (h.peerPid() > 0 && ProcStat.session(h.peerPid()) != workerPid.getAsLong()) {
                refusal = "pid " + h.peerPid() + " is not in the process tree of worker " + hello.worker()
                        + " (pid " + workerPid.getAsLong() + ")";
            } else if (h.peerUid() >= 0 && h.peerUid() != ProcStat.uid(workerPid.getAsLong())) {
                refusal = "uid " + h.peerUid() + " is not the user worker " + hello.worker() + " runs as";
            }
            if (refusal != null) {
                LOG.log(Level.WARNING, "agent socket: refused a hello from pid " + h.peerPid() + ": " + refusal);
                agentServer.reject(h.connection(), refusal);
                return;
            }
            long heartbeatMs = entry.vassal.settings().map(s -> s.heartbeat().toMillis()).orElse(0L);
            agentServer.accept(h.connection(), new AgentServer.WorkerRef(hello.vassal(), hello.worker(),
                    workerPid.getAsLong()), heartbeatMs > 0 ? heartbeatMs : DEFAULT_HEARTBEAT_MS);
            entry.vassal.handle(new VassalEvent.AgentConnected(hello.worker(), workerPid.getAsLong(),
                    hello.pid(), hello.runtime()));
        }

        private void message(AgentServer.MessageFrom m) {
            Entry entry = vassals.get(m.worker().vassal());
            if (entry == null) return;
            int id = m.worker().worker();
            long pid = m.worker().workerPid();
            VassalEvent event = switch (m.message()) {
                case Message.Heartbeat b -> new VassalEvent.Heartbeat(id, pid, m.peerPid(), b.seq(), b.uptimeMs(),
                        b.progress().orElse(-1), b.gcPauseMs().orElse(-1), b.telemetry());
                case Message.Ready r -> new VassalEvent.AgentReady(id, pid);
                case Message.Reload r -> new VassalEvent.AgentReload(id, pid, r.reason());
                case Message.Event ev -> new VassalEvent.AgentNote(id, pid, ev.severity().wireName(), ev.message());
                case Message.Goodbye g -> new VassalEvent.AgentDisconnected(id, pid, m.peerPid(), "goodbye: " + g.reason());
                case Message.Hello ignored -> null;
                case Message.Welcome ignored -> null;
                case Message.Error ignored -> null;
            };
            if (event != null) entry.vassal.handle(event);
        }
    }

    /** What vassals see of the emperor; every call happens on the loop. */
    private final class Host implements VassalHost {

        @Override
        public Cancellable schedule(Vassal vassal, Duration delay, VassalEvent event) {
            return loop.schedule(delay, new ForVassal(vassal, event));
        }

        @Override
        public Cancellable scheduleCoarse(Vassal vassal, Duration delay, VassalEvent event) {
            return loop.scheduleCoarse(delay, new ForVassal(vassal, event));
        }

        @Override
        public void telemetry(Vassal vassal, int workerId, Map<String, Number> telemetry) {
            Entry entry = vassals.get(vassal.name());
            if (entry != null && entry.vassal == vassal) publishTelemetry(vassal.name(), workerId, telemetry);
        }

        @Override
        public long launch(LaunchSpec spec) throws LaunchException {
            try {
                long pid = launcher.launch(spec);
                spawns.inc();
                return pid;
            } catch (LaunchException e) {
                spawnFailures.inc();
                throw e;
            }
        }

        @Override
        public void watchExit(Vassal vassal, int workerId, long pid) {
            try {
                reaper.watch(pid, (p, exit) -> loop.post(new ForVassal(vassal,
                        new VassalEvent.WorkerExited(workerId, p, exit))));
            } catch (IllegalStateException e) {
                // Unwatchable (out of descriptors) means unsupervised: stop it rather than lose it.
                LOG.log(Level.ERROR, vassal.name() + ": " + e.getMessage() + "; killing pid " + pid);
                Posix.killGroup(pid, Signal.KILL);
                reaper.reapQuietly(pid);
                loop.post(new ForVassal(vassal, new VassalEvent.WorkerExited(workerId, pid,
                        ExitStatus.killedBy(Signal.KILL.number()))));
            }
        }

        @Override
        public void signalGroup(long pgid, Signal signal) {
            try {
                Posix.killGroup(pgid, signal);
            } catch (IllegalStateException e) {
                LOG.log(Level.ERROR, e.getMessage());
            }
        }

        @Override
        public void changed(Vassal vassal) {
            Entry entry = vassals.get(vassal.name());
            if (entry == null || entry.vassal != vassal) return;
            Counter restarts = metrics.counter(MetricRegistry.name("vassal", vassal.name(), "restarts"));
            VassalStatus status = vassal.status();
            if (status.restarts() > restarts.getCount()) restarts.inc(status.restarts() - restarts.getCount());
            for (var w : status.workers()) {
                if (!w.telemetry().isEmpty()) publishTelemetry(status.name(), w.id(), w.telemetry());
            }
            if (vassal.state() == VassalState.STOPPED) {
                vassals.remove(vassal.name());
                logs.remove(vassal.name());
                tokens.keySet().removeIf(k -> k.startsWith(vassal.name() + "/"));
                telemetryGauges.keySet().removeIf(k -> k.vassal().equals(vassal.name()));
                if (sweepPending.isEmpty()) loop.schedule(SWEEP_DELAY, new SweepEscapees());
                sweepPending.add(vassal.name());
                metrics.removeMatching(MetricFilter.startsWith("vassal." + vassal.name() + "."));
                if (!shuttingDown) {
                    loop.post(new Rescan(Rescan.Why.VASSAL_STOPPED)); // its file may be back
                }
            }
        }

        @Override
        public Map<String, String> baseEnvironment(String vassalName, int workerId) {
            Map<String, String> env = new HashMap<>(baseEnvironment);
            byte[] secret = new byte[16];
            random.nextBytes(secret);
            String token = java.util.HexFormat.of().formatHex(secret);
            tokens.put(vassalName + "/" + workerId, token);
            env.putAll(new WorkerEnvironment(vassalName, workerId, Optional.of(settings.agentSocket().toString()),
                    Optional.of(token)).toVariables());
            return env;
        }

        @Override
        public LogTarget logTarget(String vassalName, Path file, long maxBytes) {
            LogTarget t = logs.get(vassalName);
            if (t == null || !t.file().equals(file.toAbsolutePath().normalize()) || t.maxBytes() != maxBytes) {
                t = new LogTarget(file, maxBytes, LOG_FILES_KEPT);
                logs.put(vassalName, t);
            }
            return t;
        }

        @Override
        public boolean isStopped(long pid) {
            return ProcStat.state(pid) == 'T' || ProcStat.state(pid) == 't';
        }

        @Override
        public void signal(long pid, Signal signal) {
            try {
                Posix.kill(pid, signal);
            } catch (IllegalStateException e) {
                LOG.log(Level.ERROR, e.getMessage());
            }
        }

        @Override
        public String recentOutput(String vassalName, String prefix, long sinceWallMs) {
            LogTarget t = logs.get(vassalName);
            return t == null ? "" : t.recent(prefix, sinceWallMs);
        }

        @Override
        public long nowMillis() {
            return System.nanoTime() / 1_000_000;
        }

        @Override
        public long wallMillis() {
            return System.currentTimeMillis();
        }
    }
}
