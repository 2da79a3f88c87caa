package dev.emperor.daemon;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.emperor.agent.WorkerEnvironment;
import dev.emperor.config.ConfigLoader;
import dev.emperor.daemon.EmperorEvent.ForVassal;
import dev.emperor.daemon.EmperorEvent.Reload;
import dev.emperor.daemon.EmperorEvent.Rescan;
import dev.emperor.daemon.EmperorEvent.RssCheck;
import dev.emperor.daemon.EmperorEvent.Shutdown;
import dev.emperor.daemon.EmperorEvent.SweepEscapees;
import dev.emperor.daemon.EmperorEvent.TakeSnapshot;
import dev.emperor.daemon.EmperorEvent.VassalStopped;
import dev.emperor.heartbeat.AgentServer;
import dev.emperor.logging.InternalErrors;
import dev.emperor.monitor.DirectoryWatcher;
import dev.emperor.monitor.TouchReloadWatcher;
import dev.emperor.service.ServiceEnvironment;
import dev.emperor.service.ServiceManager;
import dev.emperor.vassal.Vassal;
import dev.emperor.vassal.VassalDefaults;
import dev.emperor.vassal.VassalEvent;
import dev.emperor.vassal.WorkerStatus;
import dev.emperor.vassal.process.ChildReaper;
import dev.emperor.vassal.process.Signal;
import dev.emperor.vassal.process.WorkerLauncher;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The daemon's composition and its event loop's dispatch: it wires the {@link Reconciler}
 * (files to vassals), the {@link AgentGate} (agent connections to workers), the
 * {@link LoopHost} (what vassals ask of the emperor) and {@link VassalMetrics}, and handles
 * what belongs to no vassal: touch-reload and reload-on-rss checks, leftovers of stopped
 * vassals, snapshots and shutdown. All of its state is owned by the {@link EventLoop};
 * nothing here is touched from another thread except {@link #post} and {@link #snapshot}.
 */
public final class Emperor {

    private static final System.Logger LOG = System.getLogger("emperor");
    /** Events from inotify within this window are coalesced into one scan. */
    private static final Duration DEBOUNCE = Duration.ofMillis(30);
    /** Stops within this window share one pass over /proc. */
    private static final Duration SWEEP_DELAY = Duration.ofMillis(100);
    /** How often resident memory is read for vassals with reload-on-rss (the kernel cannot tell us). */
    private static final Duration RSS_CHECK = Duration.ofSeconds(2);
    private static final String SHUTTING_DOWN = "error: the emperor is shutting down";

    /** How it runs now: replaced by a reload of its settings (on the loop). */
    /** Replaced on the loop by a reload; read from other threads through {@link #settings()}. */
    private volatile EmperorSettings settings;
    private final SettingsReloader reloader;
    private final EventLoop loop;
    private final WorkerLauncher launcher;
    private final VassalMetrics metrics;
    private final AgentGate gate;
    private final LoopHost host;
    /** Errors caught in the agent, control and HTTP threads; with the loop's, internal_errors in /stats. */
    private final InternalErrors handlerErrors = new InternalErrors();
    private final FdBudget budget;
    private final Reconciler reconciler;
    private final OperatorStops stops;
    private final OperatorVerbs verbs;
    private final TouchReloadWatcher touchReload;
    private final long startedMono = System.nanoTime();
    private final long startedWall = System.currentTimeMillis();
    private final String version;
    /** Hook (service): sd_notify and the watchdog, driven from this loop. */
    private final ServiceManager service;
    /** Hook (hooks): on-event commands, run off the loop. */
    private final dev.emperor.hooks.HookRunner hooks;

    // ---- loop-owned state ----
    /** Stopped vassals whose escaped processes (setsid daemons) are still to be looked for. */
    private final Set<String> sweepPending = new HashSet<>();
    private boolean shuttingDown;
    private boolean scanAfterStopQueued;
    private int pendingExit = -1;
    /** The pending periodic rescan: replaced when a reload changes the interval. */
    private dev.emperor.vassal.Cancellable periodic;
    private DirectoryWatcher watcher;
    private AgentServer agentServer;
    private Optional<Path> agentJar = Optional.empty();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    /** Set by the watcher thread, cleared by the loop: at most one scan queued at a time. */
    private final AtomicBoolean scanQueued = new AtomicBoolean();

    public Emperor(EmperorSettings settings, WorkerLauncher launcher, ChildReaper reaper, ConfigLoader loader,
                   MetricRegistry registry, String version) {
        this(settings, SettingsSource.fixed(settings), launcher, reaper, loader, registry, version);
    }

    /** {@code settingsSource} reads the emperor's settings again for a reload. */
    public Emperor(EmperorSettings settings, SettingsSource settingsSource, WorkerLauncher launcher, ChildReaper reaper,
                   ConfigLoader loader, MetricRegistry registry, String version) {
        this.settings = settings;
        this.version = version;
        this.launcher = launcher;
        this.loop = new EventLoop(this::handle);
        this.metrics = new VassalMetrics(registry);
        this.budget = FdBudget.ofThisProcess();
        Reconciler[] table = new Reconciler[1]; // the gate and the host look vassals up in the reconciler
        this.gate = new AgentGate(name -> table[0].kept(name));
        this.host = new LoopHost(loop, launcher, reaper, metrics, gate, workerEnvironment(settings),
                settings.agentSocket());
        this.stops = new OperatorStops(new StoppedVassals(settings.stateDir(),
                Integer.toUnsignedLong(dev.emperor.vassal.process.Posix.effectiveUid())));
        this.reconciler = new Reconciler(settings.sources(), loader, settings.trust(), settings.vassalDefaults(), host,
                this::vassalDefaults, budget, loop::schedule, System::currentTimeMillis, this::watch, stops);
        this.verbs = new OperatorVerbs(reconciler, stops);
        table[0] = reconciler;
        host.currentVassals(reconciler::isCurrent);
        this.hooks = new dev.emperor.hooks.HookRunner(settings.onEvent().hooks(), settings.onEvent().timeout());
        host.onAlert(hooks::fire);
        this.touchReload = new TouchReloadWatcher(this::watch);
        this.service = ServiceManager.fromEnvironment(System.getenv(), ProcessHandle.current().pid(), this::onLoopAfter,
                () -> reconciler.all().stream().map(Vassal::state).toList());
        this.reloader = new SettingsReloader(settingsSource, service, reconciler);
    }

    /**
     * Runs {@code task} on the loop after {@code delay}: the service manager's timers, so that
     * a wedged loop stops the watchdog pings (a bug in one is an internal error, as any).
     */
    private void onLoopAfter(Duration delay, Runnable task) {
        loop.schedule(delay, new EmperorEvent.OnLoop(task));
    }

    /** The emperor's environment minus what is meant for itself (systemd, an emperor above it). */
    private static Map<String, String> workerEnvironment(EmperorSettings settings) {
        Map<String, String> env = new HashMap<>(System.getenv());
        ServiceEnvironment.MANAGER_VARIABLES.forEach(env::remove); // systemd's, for the emperor alone
        // An emperor run as another emperor's vassal must not hand its own identity down.
        env.remove(WorkerEnvironment.SOCKET);
        env.remove(WorkerEnvironment.TOKEN);
        env.put(OrphanSweeper.RUN_DIR_VARIABLE, settings.runDir().toString());
        return env;
    }

    private VassalDefaults vassalDefaults() {
        return new VassalDefaults(settings.throttle(), settings.requiredHeartbeat(), agentJar, settings.logDir());
    }

    /** Starts watching and supervising; returns at once. */
    public void start() throws IOException {
        List<Long> leftovers = OrphanSweeper.sweep(settings.runDir());
        if (!leftovers.isEmpty()) {
            LOG.log(Level.WARNING, "killed " + leftovers.size() + " process(es) left behind by an emperor that died"
                    + " hard with this run dir: pids " + leftovers);
        }
        stops.load();
        watcher = new DirectoryWatcher(this::fileEvent);
        watcher.start();
        agentJar = AgentJar.install(settings.agentJar());
        agentServer = new AgentServer(settings.agentSocket(), in -> loop.post(new EmperorEvent.FromAgent(in)),
                handlerErrors);
        gate.connect(agentServer);
        agentServer.start();
        loop.post(new Rescan(Rescan.Why.START_UP));
        schedulePeriodicRescan();
        loop.schedule(RSS_CHECK, new RssCheck());
        service.start(); // hook (service)
    }

    /** The settings the emperor runs with now (a reload replaces them). */
    public EmperorSettings settings() {
        return settings;
    }

    /** Completes with the process exit code once every vassal has stopped after a shutdown. */
    public CompletableFuture<Integer> exitCode() {
        return exit;
    }

    /** Where the agent, control and HTTP servers count (and log) what their handlers throw. */
    public InternalErrors handlerErrors() {
        return handlerErrors;
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
            case EmperorEvent.FromAgent e -> e.batch().forEach(gate::handle); // first: the most frequent
            case ForVassal e -> e.vassal().handle(e.event());
            case Rescan e -> rescan(e.why());
            case VassalStopped e -> vassalStopped(e.vassal());
            case Reload e -> e.reply().complete(reload(e.name()));
            case EmperorEvent.Restart e -> e.reply().complete(shuttingDown ? SHUTTING_DOWN : verbs.restart(e.name()));
            case EmperorEvent.Stop e -> e.reply().complete(shuttingDown ? SHUTTING_DOWN : verbs.stop(e.name()));
            case EmperorEvent.Start e -> e.reply().complete(shuttingDown ? SHUTTING_DOWN : verbs.start(e.name()));
            case EmperorEvent.ReloadEmperor e -> e.reply().complete(shuttingDown ? SHUTTING_DOWN : reloader.reload(settings, this::adopt));
            case TakeSnapshot e -> e.reply().complete(takeSnapshot());
            case EmperorEvent.OnLoop e -> e.task().run();
            case Shutdown e -> shutdown(e.reason());
            case RssCheck e -> checkRss();
            case SweepEscapees e -> sweepEscapees();
        }
    }

    private void watch(Path dir) {
        if (watcher != null) watcher.watch(dir);
    }

    private void fileEvent() {
        if (scanQueued.compareAndSet(false, true)) {
            loop.schedule(DEBOUNCE, new Rescan(Rescan.Why.FILE_EVENT));
        }
    }

    private void schedulePeriodicRescan() {
        periodic = loop.schedule(settings.rescanInterval(), new Rescan(Rescan.Why.PERIODIC));
    }

    private void rescan(Rescan.Why why) {
        switch (why) {
            case FILE_EVENT -> scanQueued.set(false);
            case PERIODIC -> schedulePeriodicRescan();
            case RETRY -> reconciler.retryDue();
            case VASSAL_STOPPED -> scanAfterStopQueued = false;
            case START_UP -> {
            }
        }
        if (shuttingDown) return;
        metrics.scans.inc();
        try (Timer.Context ignored = metrics.scanTime.time()) {
            reconciler.scan();
            checkTouchReload();
        }
        if (why == Rescan.Why.START_UP) service.ready(); // hook (service): the first scan is applied
    }

    /** Reloads vassals whose touch-reload files changed since the last look. */
    private void checkTouchReload() {
        for (Vassal v : reconciler.active()) {
            List<Path> paths = v.settings().map(s -> s.reload().touchReload()).orElse(List.of());
            touchReload.changed(v.name(), paths).ifPresent(p -> {
                LOG.log(Level.INFO, "vassal " + v.name() + ": touch-reload file " + p + " changed");
                v.handle(new VassalEvent.ReloadRequested("touch-reload " + p));
            });
        }
    }

    /** Replaces workers whose resident memory passed their vassal's reload-on-rss. */
    private void checkRss() {
        loop.schedule(RSS_CHECK, new RssCheck());
        gate.tick();
        if (shuttingDown) return;
        for (Vassal v : reconciler.active()) {
            long limitMb = v.settings().map(s -> s.reload().reloadOnRssMb()).orElse(0L);
            if (limitMb <= 0) continue;
            for (WorkerStatus w : v.status().workers()) {
                if (w.pid() == null) continue;
                long rss = ProcUsage.residentBytes(w.pid());
                if (rss > limitMb << 20) {
                    v.handle(new VassalEvent.ReplaceWorker(w.id(), w.pid(), "uses " + (rss >> 20)
                            + " MB resident, over reload-on-rss = " + limitMb + " MB"));
                }
            }
        }
    }

    /** A vassal reached {@code stopped}: forget it everywhere, sweep its leftovers, look again. */
    private void vassalStopped(Vassal vassal) {
        if (!reconciler.isCurrent(vassal)) return;
        stops.forgotten(vassal.status()); // an operator's stop: status keeps showing it
        reconciler.forget(vassal);
        String name = vassal.name();
        host.forget(name);
        gate.forget(name);
        touchReload.forget(name);
        sweepLeftovers(name);
        if (shuttingDown) {
            exitWhenDone(0);
        } else {
            // Its file may be back; a held vassal may fit now. Many stops share one scan.
            if (!scanAfterStopQueued) {
                scanAfterStopQueued = true;
                loop.post(new Rescan(Rescan.Why.VASSAL_STOPPED));
            }
        }
    }

    /**
     * The one place a stopped vassal's leftovers are swept. A worker's process group got
     * SIGKILL when the worker exited. With cgroup v2 the vassal's cgroup is killed whole,
     * which nothing inside can escape; the environment sweep stays as the fallback (and the
     * only way without cgroups): processes that left the group (setsid) are found through
     * their environment, in one pass over /proc for the stops of the next 100 ms.
     */
    private void sweepLeftovers(String vassal) {
        int killed = launcher.vassalStopped(vassal);
        if (killed > 0) {
            LOG.log(Level.WARNING, "vassal " + vassal + ": killed " + killed
                    + " process(es) it left running in its cgroup");
        }
        if (sweepPending.isEmpty()) loop.schedule(SWEEP_DELAY, new SweepEscapees());
        sweepPending.add(vassal);
    }

    private void sweepEscapees() {
        if (sweepPending.isEmpty()) return;
        Set<Long> live = new HashSet<>();
        for (Vassal v : reconciler.all()) {
            for (WorkerStatus w : v.status().workers()) {
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

    private String reload(String name) {
        if (shuttingDown) return "the emperor is shutting down";
        if (name == null) {
            List<Vassal> active = reconciler.active();
            service.reloading(); // hook (service)
            for (Vassal v : active) {
                v.handle(new VassalEvent.ReloadRequested("reload requested for all vassals"));
            }
            service.ready(); // hook (service): every reload is under way
            return "reloading " + active.size() + " vassal(s)";
        }
        Optional<Vassal> vassal = reconciler.find(name);
        if (vassal.isEmpty()) {
            String why = verbs.stoppedOrUnknown(name);
            return why.startsWith("error: no vassal") ? why.substring(7) : why; // 'no vassal ...': exit 1 as before
        }
        vassal.get().handle(new VassalEvent.ReloadRequested("reload requested"));
        return "reloading " + name + " (" + vassal.get().state().label() + ")";
    }

    /** A reload took new settings: they are how the emperor runs from now on. */
    private void adopt(EmperorSettings next) {
        boolean newPeriod = !next.rescanInterval().equals(settings.rescanInterval());
        Set<Path> kept = new HashSet<>();
        next.sources().forEach(s -> kept.add(s.directory()));
        for (var source : settings.sources()) {
            if (!kept.contains(source.directory()) && watcher != null) watcher.unwatch(source.directory());
        }
        settings = next;
        if (newPeriod) {
            if (periodic != null) periodic.cancel();
            schedulePeriodicRescan();
        }
    }

    private EmperorSnapshot takeSnapshot() {
        long uptime = (System.nanoTime() - startedMono) / 1_000_000;
        return new EmperorSnapshot(ProcessHandle.current().pid(), version, startedWall, uptime,
                settings.sources().stream().map(s -> s.directory().toString()).distinct().toList(),
                reconciler.statuses(), reconciler.directories(), budget.inUse(), budget.limit(),
                loop.internalErrors() + handlerErrors.count());
    }

    private void shutdown(String reason) {
        if (shuttingDown) {
            LOG.log(Level.WARNING, "second stop request (" + reason + "): sending SIGKILL to every worker now");
            for (Vassal v : reconciler.all()) {
                for (WorkerStatus w : v.status().workers()) {
                    if (w.pid() != null) host.signalGroup(w.pid(), Signal.KILL);
                }
            }
            exitWhenDone(1);
            return;
        }
        shuttingDown = true;
        service.stopping(); // hook (service)
        LOG.log(Level.INFO, "shutting down (" + reason + "): stopping " + reconciler.all().size() + " vassal(s)"
                + " gracefully; send the signal again to kill them at once");
        try {
            if (watcher != null) watcher.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the watcher: " + e);
        }
        reconciler.stopAll("emperor shutting down");
        exitWhenDone(0);
    }

    private void exitWhenDone(int code) {
        pendingExit = Math.max(pendingExit, code);
        if (reconciler.isEmpty() && sweepPending.isEmpty() && !exit.isDone()) {
            LOG.log(Level.INFO, "all vassals stopped; bye");
            try {
                if (agentServer != null) agentServer.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing the agent socket: " + e);
            }
            hooks.close();
            loop.shutdown();
            exit.complete(pendingExit);
        }
    }
}
