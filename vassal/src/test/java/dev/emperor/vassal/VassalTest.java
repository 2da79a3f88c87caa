package dev.emperor.vassal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.emperor.config.ConfigFormat;
import dev.emperor.config.ConfigLoader.LoadedConfig;
import dev.emperor.config.OptionModel;
import dev.emperor.config.OptionValue;
import dev.emperor.config.Origin;
import dev.emperor.vassal.FakeHost.Sent;
import dev.emperor.vassal.FakeHost.Timer;
import dev.emperor.vassal.VassalEvent.BackoffElapsed;
import dev.emperor.vassal.VassalEvent.ConfigInvalid;
import dev.emperor.vassal.VassalEvent.ConfigLoaded;
import dev.emperor.vassal.VassalEvent.Heartbeat;
import dev.emperor.vassal.VassalEvent.HeartbeatDeadline;
import dev.emperor.vassal.VassalEvent.HungKill;
import dev.emperor.vassal.VassalEvent.ReloadRequested;
import dev.emperor.vassal.VassalEvent.ReplaceWorker;
import dev.emperor.vassal.VassalEvent.StopDeadline;
import dev.emperor.vassal.VassalEvent.StopRequested;
import dev.emperor.vassal.VassalEvent.WorkerExited;
import dev.emperor.vassal.VassalEvent.WorkerReady;
import dev.emperor.vassal.process.ExitStatus;
import dev.emperor.vassal.process.LaunchSpec;
import dev.emperor.vassal.process.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The vassal state machine against a fake host: no processes, no threads, no sleeps. Timers
 * are fired by hand, worker exits are delivered by hand, exactly as the emperor's event loop
 * would deliver them.
 */
class VassalTest {

    static final Path FILE = Path.of("/srv/vassals/web.ini");

    /** Held so the JUL logger (and its level) is not collected; transitions are logged, not tested. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("emperor.vassal");

    static {
        QUIET.setLevel(java.util.logging.Level.OFF);
    }

    final FakeHost host = new FakeHost();
    Vassal vassal = new Vassal("web", FILE, host, host.defaults());

    /** Settings as VassalSettings.from makes them from {@code key=value} lines (command defaults to a server). */
    static VassalSettings settings(String... keyValues) {
        List<OptionValue> values = new ArrayList<>();
        boolean hasCommand = false;
        int line = 2;
        for (String kv : keyValues) {
            int eq = kv.indexOf('=');
            String key = kv.substring(0, eq);
            hasCommand |= key.equals("command");
            values.add(new OptionValue(key, kv.substring(eq + 1), new Origin(FILE, line++)));
        }
        if (!hasCommand) {
            values.add(0, new OptionValue("command", "serve --port 8080", new Origin(FILE, 1)));
        }
        try {
            return VassalSettings.from("web", new LoadedConfig(FILE, ConfigFormat.INI, "vassal", new OptionModel(values)));
        } catch (dev.emperor.config.ConfigException e) {
            throw new AssertionError(e);
        }
    }

    // ---- helpers that play the event loop --------------------------------------------------

    void load(VassalSettings s) {
        vassal.handle(new ConfigLoaded(s));
    }

    WorkerStatus worker(int id) {
        return vassal.status().workers().get(id - 1);
    }

    long pid(int id) {
        Long pid = worker(id).pid();
        assertThat(pid).as("worker %d has a process", id).isNotNull();
        return pid;
    }

    void ready(int id) {
        host.pendingFor(WorkerReady.class, id).fire();
    }

    void exit(int id, int code) {
        vassal.handle(new WorkerExited(id, pid(id), ExitStatus.exited(code)));
    }

    void killed(int id, int signal) {
        vassal.handle(new WorkerExited(id, pid(id), ExitStatus.killedBy(signal)));
    }

    void runAll(VassalSettings s) {
        load(s);
        for (int id = 1; id <= s.processes(); id++) {
            ready(id);
        }
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
    }

    Timer backoffTimer(int workerId) {
        return host.pendingFor(BackoffElapsed.class, workerId);
    }

    // ---- starting --------------------------------------------------------------------------

    @Test
    void aNewVassalIsInvalidUntilItHasAValidFile() {
        assertThat(vassal.state()).isEqualTo(VassalState.INVALID);
        assertThat(vassal.name()).isEqualTo("web");
        assertThat(vassal.configFile()).isEqualTo(FILE);
        assertThat(vassal.hasLiveWorkers()).isFalse();
        assertThat(vassal.status().workers()).isEmpty();
        assertThat(host.launches).isEmpty();
    }

    @Test
    void aValidFileStartsEveryWorkerAndReadinessMakesItRunning() {
        load(settings("processes=2", "env=APP=1", "env=LANG=en_US.UTF-8"));

        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(host.launches).hasSize(2);
        for (int i = 0; i < 2; i++) {
            LaunchSpec spec = host.launches.get(i).spec();
            assertThat(spec.argv()).containsExactly("serve", "--port", "8080");
            assertThat(spec.directory()).isEqualTo(FILE.getParent());
            assertThat(spec.logFile()).isEqualTo(Path.of("/run/emperor-test/logs/web.log"));
            assertThat(spec.environment())
                    .containsEntry("EMPEROR_VASSAL", "web")
                    .containsEntry("EMPEROR_WORKER", Integer.toString(i + 1))
                    .containsEntry("PATH", "/usr/bin:/bin")
                    .containsEntry("APP", "1")
                    .containsEntry("LANG", "en_US.UTF-8"); // the file's env wins over the emperor's
        }
        assertThat(host.watches).containsExactly(new FakeHost.Watch(1, 1000), new FakeHost.Watch(2, 1001));
        assertThat(host.pending(WorkerReady.class)).extracting(t -> t.event)
                .containsExactly(new WorkerReady(1, 1000), new WorkerReady(2, 1001));
        assertThat(host.pending(WorkerReady.class)).extracting(t -> t.delay).containsOnly(Duration.ofSeconds(2));
        assertThat(vassal.status().workers()).extracting(WorkerStatus::id, WorkerStatus::pid, WorkerStatus::state,
                        WorkerStatus::startedAtMs)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, 1000L, WorkerState.STARTING, host.wall),
                        org.assertj.core.groups.Tuple.tuple(2, 1001L, WorkerState.STARTING, host.wall));
        assertThat(vassal.hasLiveWorkers()).isTrue();

        ready(1);
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(worker(1).state()).isEqualTo(WorkerState.RUNNING);
        ready(2);
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
        assertThat(worker(2).state()).isEqualTo(WorkerState.RUNNING);

        VassalStatus status = vassal.status();
        assertThat(status.name()).isEqualTo("web");
        assertThat(status.config()).isEqualTo(FILE);
        assertThat(status.restarts()).isZero();
        assertThat(status.error()).isNull();
        assertThat(status.lastExit()).isNull();
        assertThat(host.signals).isEmpty();
        // every event is published, ending in the state it left
        assertThat(host.published).containsExactly(VassalState.STARTING, VassalState.STARTING, VassalState.RUNNING);
    }

    @Test
    void readyAfterAndLogtoComeFromTheSettings() {
        load(settings("ready-after=0.5", "logto=/var/log/web.log"));
        assertThat(host.pendingFor(WorkerReady.class, 1).delay).isEqualTo(Duration.ofMillis(500));
        assertThat(host.launches.get(0).spec().logFile()).isEqualTo(Path.of("/var/log/web.log"));
    }

    // ---- crashes with master = true ------------------------------------------------------------

    @Test
    void aWorkerDyingBeforeReadyBacksOffWithGrowingDelays() {
        load(settings());
        long first = pid(1);

        exit(1, 1);
        assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(host.signals).containsExactly(new Sent(first, Signal.KILL)); // leftovers in its group go too
        assertThat(host.pending(WorkerReady.class)).isEmpty();
        assertThat(worker(1).state()).isEqualTo(WorkerState.BACKOFF);
        assertThat(worker(1).pid()).isNull();
        assertThat(worker(1).startedAtMs()).isNull();
        assertThat(worker(1).restarts()).isEqualTo(1);
        assertThat(worker(1).lastExit()).isEqualTo("exited with code 1");
        assertThat(vassal.status().restarts()).isEqualTo(1);
        assertThat(vassal.status().lastExit()).isEqualTo("worker 1 exited with code 1");
        assertThat(vassal.hasLiveWorkers()).isFalse();

        List<Duration> delays = new ArrayList<>();
        for (int attempt = 0; attempt < 5; attempt++) {
            Timer backoff = backoffTimer(1);
            delays.add(backoff.delay);
            int launchesBefore = host.launches.size();
            backoff.fire();
            assertThat(host.launches).hasSize(launchesBefore + 1);
            assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
            assertThat(worker(1).state()).isEqualTo(WorkerState.STARTING);
            host.now += 300; // dies 0.3 s after start, well before ready-after
            exit(1, 2);
            assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
        }
        delays.add(backoffTimer(1).delay);
        assertThat(delays).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(8), Duration.ofSeconds(16), Duration.ofSeconds(32));
        assertThat(vassal.status().restarts()).isEqualTo(6);
    }

    @Test
    void theBackoffUsesTheEmperorsThrottleAndItsCap() {
        host.throttle = new Throttle(Duration.ofMillis(100), Duration.ofMillis(250));
        vassal = new Vassal("web", FILE, host, host.defaults()); // a value: these defaults for good
        load(settings());
        List<Duration> delays = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            exit(1, 1);
            Timer t = backoffTimer(1);
            delays.add(t.delay);
            t.fire();
        }
        assertThat(delays).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(250),
                Duration.ofMillis(250));
    }

    @Test
    void newEmperorDefaultsReachARunningVassalAtItsNextDelay() {
        vassal = new Vassal("web", FILE, host, host::defaults); // read at each use, as the reconciler hands them
        load(settings());
        exit(1, 1);
        Timer first = backoffTimer(1);
        assertThat(first.delay).isEqualTo(Duration.ofSeconds(1));
        host.throttle = new Throttle(Duration.ofMillis(100), Duration.ofMillis(250)); // a reload of the emperor's settings
        first.fire();
        exit(1, 1);
        assertThat(backoffTimer(1).delay).as("the second fast failure, under the new throttle")
                .isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void readinessResetsTheFailureStreak() {
        load(settings());
        exit(1, 1);
        backoffTimer(1).fire();
        exit(1, 1);
        assertThat(backoffTimer(1).delay).isEqualTo(Duration.ofSeconds(2));
        backoffTimer(1).fire();
        ready(1);
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);

        // a death after ready is no fast failure: respawned at once
        int launches = host.launches.size();
        killed(1, 9);
        assertThat(host.launches).hasSize(launches + 1);
        assertThat(host.pending(BackoffElapsed.class)).isEmpty();
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(worker(1).lastExit()).isEqualTo("was killed by SIGKILL");

        // and the next fast failure starts the delays over
        exit(1, 1);
        assertThat(backoffTimer(1).delay).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void withMasterADeadWorkerIsRespawnedAlone() {
        runAll(settings("processes=3"));
        long p1 = pid(1);
        long p2 = pid(2);
        long p3 = pid(3);
        int signalsBefore = host.signals.size();

        killed(2, 9);

        assertThat(host.launches).hasSize(4);
        assertThat(host.launches.get(3).spec().environment()).containsEntry("EMPEROR_WORKER", "2");
        assertThat(pid(2)).isNotEqualTo(p2).isEqualTo(host.lastPid());
        assertThat(pid(1)).isEqualTo(p1);
        assertThat(pid(3)).isEqualTo(p3);
        assertThat(worker(1).state()).isEqualTo(WorkerState.RUNNING);
        assertThat(worker(3).state()).isEqualTo(WorkerState.RUNNING);
        assertThat(worker(2).state()).isEqualTo(WorkerState.STARTING);
        assertThat(host.signalsSince(signalsBefore)).containsExactly(new Sent(p2, Signal.KILL));
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(worker(2).restarts()).isEqualTo(1);
        assertThat(worker(1).restarts()).isZero();
        assertThat(vassal.status().lastExit()).isEqualTo("worker 2 was killed by SIGKILL");

        ready(2);
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
    }

    @Test
    void oneWorkerInBackoffPutsTheVassalInBackoffWhileTheOthersRun() {
        runAll(settings("processes=2"));
        exit(2, 1); // respawned at once (it had been ready) ...
        exit(2, 1); // ... and dies again right away: a fast failure
        assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(worker(1).state()).isEqualTo(WorkerState.RUNNING);
        assertThat(worker(2).state()).isEqualTo(WorkerState.BACKOFF);
        backoffTimer(2).fire();
        ready(2);
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
    }

    // ---- crashes with master = false -----------------------------------------------------------

    @Test
    void withoutMasterADeadWorkerRestartsTheWholeVassalAfterTheOthersStop() {
        runAll(settings("processes=2", "master=false"));
        long p1 = pid(1);
        long p2 = pid(2);
        int signalsBefore = host.signals.size();

        exit(1, 0);

        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
        assertThat(host.signalsSince(signalsBefore)).containsExactly(new Sent(p1, Signal.KILL), new Sent(p2, Signal.TERM));
        assertThat(worker(2).state()).isEqualTo(WorkerState.STOPPING);
        assertThat(host.pendingFor(StopDeadline.class, 2).delay).isEqualTo(Duration.ofSeconds(10));
        assertThat(host.launches).hasSize(2); // nothing new while an old worker lives

        killed(2, 15);

        assertThat(host.pending(StopDeadline.class)).isEmpty();
        assertThat(host.launches).hasSize(4);
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(vassal.status().workers()).extracting(WorkerStatus::state).containsOnly(WorkerState.STARTING);
        assertThat(pid(1)).isNotIn(p1, p2);
        assertThat(pid(2)).isNotIn(p1, p2);
        assertThat(host.pending(BackoffElapsed.class)).isEmpty();
        assertThat(vassal.status().restarts()).isEqualTo(1);
    }

    @Test
    void withoutMasterFastFailuresBackOffTheWholeVassal() {
        load(settings("master=false"));
        List<Duration> delays = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            exit(1, 1);
            assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
            Timer t = backoffTimer(0); // worker id 0: the whole vassal's timer
            delays.add(t.delay);
            t.fire();
            assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        }
        assertThat(delays).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(8));

        ready(1);
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
        exit(1, 1); // after ready: restarted at once
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(host.pending(BackoffElapsed.class)).isEmpty();
        exit(1, 1); // fast again: the streak started over
        assertThat(backoffTimer(0).delay).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void withoutMasterAFastFailureWaitsForTheOthersAndThenBacksOff() {
        load(settings("processes=2", "master=false"));
        exit(1, 1);
        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
        assertThat(host.pending(WorkerReady.class)).isEmpty();
        killed(2, 15);
        assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(backoffTimer(0).delay).isEqualTo(Duration.ofSeconds(1));
        assertThat(host.launches).hasSize(2);
        backoffTimer(0).fire();
        assertThat(host.launches).hasSize(4);
    }

    @Test
    void aNewFileWhileTheWholeVassalRestartsCancelsTheThrottleDelay() {
        load(settings("processes=2", "master=false"));
        exit(1, 1); // fast: the restart that follows would wait 1 s
        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
        load(settings("processes=2", "master=false", "command=fixed"));
        killed(2, 15);
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(host.pending(BackoffElapsed.class)).isEmpty();
        assertThat(host.launches.subList(2, 4)).extracting(l -> l.spec().argv()).containsOnly(List.of("fixed"));
    }

    @Test
    void aStopWhileTheWholeVassalRestartsEndsStopped() {
        load(settings("processes=2", "master=false"));
        exit(1, 1);
        vassal.handle(new StopRequested("removed"));
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPING);
        killed(2, 15);
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
        assertThat(host.pending(BackoffElapsed.class)).isEmpty();
        assertThat(host.launches).hasSize(2);
    }

    // ---- reloads ---------------------------------------------------------------------------

    @Test
    void aNewFileReloadsGracefullyStartingNewWorkersOnlyAfterTheOldOnesExit() {
        runAll(settings("processes=2", "command=old-app"));
        long p1 = pid(1);
        long p2 = pid(2);

        load(settings("processes=3", "command=new-app --flag", "stop-signal=QUIT", "reload-mercy=5"));

        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
        assertThat(host.signals).containsExactly(new Sent(p1, Signal.TERM), new Sent(p2, Signal.TERM)); // the old stop signal
        assertThat(host.pending(StopDeadline.class)).extracting(t -> t.event)
                .containsExactly(new StopDeadline(1, p1), new StopDeadline(2, p2));
        assertThat(host.pending(StopDeadline.class)).extracting(t -> t.delay).containsOnly(Duration.ofSeconds(10));
        assertThat(vassal.status().workers()).extracting(WorkerStatus::state).containsOnly(WorkerState.STOPPING);
        assertThat(host.launches).hasSize(2);

        killed(1, 15);
        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
        assertThat(host.launches).hasSize(2);
        assertThat(worker(1).state()).isEqualTo(WorkerState.STOPPED);

        killed(2, 15);
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(host.launches).hasSize(5);
        assertThat(host.launches.subList(2, 5)).extracting(l -> l.spec().argv())
                .containsOnly(List.of("new-app", "--flag"));
        assertThat(vassal.status().workers()).extracting(WorkerStatus::id).containsExactly(1, 2, 3);
        assertThat(vassal.status().restarts()).isZero(); // a reload is not a crash

        // the new settings rule from now on: stop signal and mercy
        for (int id = 1; id <= 3; id++) ready(id);
        int before = host.signals.size();
        vassal.handle(new StopRequested("file removed"));
        assertThat(host.signalsSince(before)).extracting(Sent::signal).containsOnly(Signal.QUIT).hasSize(3);
        assertThat(host.pending(StopDeadline.class)).extracting(t -> t.delay).containsOnly(Duration.ofSeconds(5));
    }

    @Test
    void aReloadOfStartingWorkersCancelsTheirReadyTimers() {
        load(settings("processes=2"));
        load(settings("processes=2", "command=other"));
        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
        assertThat(host.pending(WorkerReady.class)).isEmpty();
    }

    @Test
    void aWorkerThatIgnoresItsStopSignalIsKilledAtTheDeadline() {
        runAll(settings("processes=2"));
        long p1 = pid(1);
        long p2 = pid(2);
        load(settings("processes=2", "command=v2"));
        killed(1, 15);
        int before = host.signals.size();

        host.pendingFor(StopDeadline.class, 2).fire();

        assertThat(host.signalsSince(before)).containsExactly(new Sent(p2, Signal.KILL));
        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
        assertThat(host.launches).hasSize(2);
        killed(2, 9);
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(host.launches).hasSize(4);
        assertThat(p1).isNotEqualTo(p2);
    }

    @Test
    void theNewestFileWinsWhenSeveralArriveDuringAReload() {
        runAll(settings("command=v1"));
        load(settings("command=v2"));
        int signals = host.signals.size();
        load(settings("command=v3"));
        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
        assertThat(host.signals).hasSize(signals); // the worker is not signalled twice
        killed(1, 15);
        assertThat(host.launches.get(host.launches.size() - 1).spec().argv()).containsExactly("v3");
        assertThat(host.launches).hasSize(2);
    }

    @Test
    void anOperatorReloadRestartsWithTheSameSettings() {
        runAll(settings("processes=2", "command=same"));
        vassal.handle(new ReloadRequested("operator"));
        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
        assertThat(host.signals).extracting(Sent::signal).containsExactly(Signal.TERM, Signal.TERM);

        vassal.handle(new ReloadRequested("again")); // ignored while reloading
        assertThat(host.signals).hasSize(2);

        exit(1, 0);
        exit(2, 0);
        assertThat(host.launches).hasSize(4);
        assertThat(host.launches).extracting(l -> l.spec().argv()).containsOnly(List.of("same"));
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
    }

    @Test
    void aNewFileDuringBackoffStartsAtOnceWithAFreshStreak() {
        load(settings());
        exit(1, 1);
        backoffTimer(1).fire();
        exit(1, 1);
        Timer oldBackoff = backoffTimer(1);
        assertThat(oldBackoff.delay).isEqualTo(Duration.ofSeconds(2));

        load(settings("command=fixed"));

        assertThat(oldBackoff.cancelled).isTrue();
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(host.launches.get(host.launches.size() - 1).spec().argv()).containsExactly("fixed");
        exit(1, 1);
        assertThat(backoffTimer(1).delay).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void anOperatorReloadCutsAWholeVassalBackoffShort() {
        load(settings("master=false"));
        exit(1, 1);
        Timer backoff = backoffTimer(0);
        vassal.handle(new ReloadRequested("operator"));
        assertThat(backoff.cancelled).isTrue();
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(host.launches).hasSize(2);
        // the cancelled timer arriving anyway (a race in a real loop) changes nothing
        vassal.handle(backoff.event);
        assertThat(host.launches).hasSize(2);
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
    }

    // ---- stopping --------------------------------------------------------------------------

    @Test
    void aStopSignalsEveryGroupAndEndsStoppedWhenAllHaveExited() {
        runAll(settings("processes=2"));
        long p1 = pid(1);
        long p2 = pid(2);

        vassal.handle(new StopRequested("file removed"));

        assertThat(vassal.state()).isEqualTo(VassalState.STOPPING);
        assertThat(host.signals).containsExactly(new Sent(p1, Signal.TERM), new Sent(p2, Signal.TERM));
        assertThat(host.pending(StopDeadline.class)).hasSize(2);
        killed(1, 15);
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPING);
        assertThat(vassal.hasLiveWorkers()).isTrue();
        killed(2, 15);
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
        assertThat(vassal.hasLiveWorkers()).isFalse();
        assertThat(host.pending(StopDeadline.class)).isEmpty();
        assertThat(host.launches).hasSize(2);
        assertThat(vassal.status().workers()).extracting(WorkerStatus::state).containsOnly(WorkerState.STOPPED);
        assertThat(vassal.status().workers()).extracting(WorkerStatus::pid).containsOnlyNulls();
        assertThat(vassal.status().restarts()).isZero();

        // nothing brings a stopped vassal back
        load(settings());
        vassal.handle(new ReloadRequested("late"));
        vassal.handle(new StopRequested("again"));
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
        assertThat(host.launches).hasSize(2);
    }

    @Test
    void theStopDeadlineSendsSigkillToTheGroup() {
        runAll(settings());
        long p = pid(1);
        vassal.handle(new StopRequested("shutdown"));
        Timer deadline = host.pendingFor(StopDeadline.class, 1);
        assertThat(deadline.delay).isEqualTo(Duration.ofSeconds(10));

        deadline.fire();

        assertThat(host.signals).containsExactly(new Sent(p, Signal.TERM), new Sent(p, Signal.KILL));
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPING);
        killed(1, 9);
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
    }

    @Test
    void stoppingDuringStartingNeitherWaitsForReadyNorBacksOff() {
        load(settings("processes=2"));
        vassal.handle(new StopRequested("removed"));
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPING);
        assertThat(host.pending(WorkerReady.class)).isEmpty();
        killed(1, 15);
        killed(2, 15);
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
        assertThat(host.pending(BackoffElapsed.class)).isEmpty();
        assertThat(vassal.status().restarts()).isZero();
    }

    @Test
    void stoppingDuringBackoffStopsAtOnce() {
        load(settings());
        exit(1, 1);
        Timer backoff = backoffTimer(1);
        vassal.handle(new StopRequested("removed"));
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
        assertThat(backoff.cancelled).isTrue();
        vassal.handle(backoff.event); // arrives anyway
        assertThat(host.launches).hasSize(1);
    }

    @Test
    void stoppingDuringAWholeVassalBackoffStopsAtOnce() {
        load(settings("master=false"));
        exit(1, 1);
        Timer backoff = backoffTimer(0);
        vassal.handle(new StopRequested("removed"));
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
        assertThat(backoff.cancelled).isTrue();
        vassal.handle(backoff.event);
        assertThat(host.launches).hasSize(1);
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
    }

    @Test
    void stoppingDuringAReloadDropsTheNewSettings() {
        runAll(settings());
        load(settings("command=v2"));
        vassal.handle(new StopRequested("removed"));
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPING);
        assertThat(host.signals).hasSize(1); // not signalled a second time
        killed(1, 15);
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
        assertThat(host.launches).hasSize(1);
    }

    @Test
    void anInvalidVassalStopsWithoutAnyProcess() {
        vassal.handle(new ConfigInvalid("web.ini:2: bad"));
        vassal.handle(new StopRequested("removed"));
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
        assertThat(host.signals).isEmpty();
    }

    // ---- invalid files ---------------------------------------------------------------------

    @Test
    void anInvalidFileWhileRunningKeepsTheWorkersAndSaysWhy() {
        runAll(settings("processes=2"));
        List<Long> pids = List.of(pid(1), pid(2));

        vassal.handle(new ConfigInvalid("/srv/vassals/web.ini:3: processes: expected a whole number, found 'x'"));

        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
        assertThat(host.signals).isEmpty();
        assertThat(host.launches).hasSize(2);
        assertThat(List.of(pid(1), pid(2))).isEqualTo(pids);
        assertThat(vassal.status().error())
                .contains("/srv/vassals/web.ini:3: processes: expected a whole number, found 'x'")
                .contains("still running");

        // crashes are still handled with the last valid settings
        exit(1, 1);
        assertThat(host.launches).hasSize(3);
        assertThat(host.launches.get(2).spec().argv()).containsExactly("serve", "--port", "8080");

        // and a fixed file clears the error and reloads
        load(settings("processes=2", "command=fixed"));
        assertThat(vassal.status().error()).isNull();
        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
    }

    @Test
    void anInvalidNewFileStartsNothingUntilItIsFixed() {
        vassal.handle(new ConfigInvalid("web.ini:1: missing 'command'"));
        assertThat(vassal.state()).isEqualTo(VassalState.INVALID);
        assertThat(vassal.status().error()).isEqualTo("web.ini:1: missing 'command'");
        vassal.handle(new ConfigInvalid("web.ini:4: still bad"));
        assertThat(vassal.status().error()).isEqualTo("web.ini:4: still bad");
        vassal.handle(new ReloadRequested("operator"));
        assertThat(vassal.state()).isEqualTo(VassalState.INVALID);
        assertThat(host.launches).isEmpty();

        load(settings());
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(vassal.status().error()).isNull();
        assertThat(host.launches).hasSize(1);
    }

    @Test
    void anInvalidFileDuringAReloadStillFinishesTheReload() {
        runAll(settings());
        load(settings("command=v2"));
        vassal.handle(new ConfigInvalid("web.ini:2: broken again"));
        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
        killed(1, 15);
        assertThat(host.launches.get(1).spec().argv()).containsExactly("v2");
        assertThat(vassal.status().error()).contains("broken again");
    }

    @Test
    void anInvalidFileWhileStoppingIsIgnored() {
        runAll(settings());
        vassal.handle(new StopRequested("removed"));
        vassal.handle(new ConfigInvalid("late"));
        assertThat(vassal.status().error()).isNull();
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPING);
    }

    // ---- launch failures -------------------------------------------------------------------

    @Test
    void aLaunchFailureBacksOffAndReportsTheMessage() {
        host.failures.add("program 'nope' not found on PATH (/usr/bin:/bin)");
        host.failures.add("program 'nope' not found on PATH (/usr/bin:/bin)");

        load(settings("command=nope"));

        assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(vassal.status().error()).isEqualTo("cannot start worker 1: program 'nope' not found on PATH (/usr/bin:/bin)");
        assertThat(worker(1).state()).isEqualTo(WorkerState.BACKOFF);
        assertThat(worker(1).pid()).isNull();
        assertThat(host.watches).isEmpty();
        assertThat(host.pending(WorkerReady.class)).isEmpty();
        assertThat(backoffTimer(1).delay).isEqualTo(Duration.ofSeconds(1));
        assertThat(vassal.hasLiveWorkers()).isFalse();

        backoffTimer(1).fire(); // fails again
        assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(backoffTimer(1).delay).isEqualTo(Duration.ofSeconds(2));
        assertThat(vassal.status().error()).contains("not found on PATH");

        backoffTimer(1).fire(); // the program exists now
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(vassal.status().error()).isNull();
        assertThat(host.watches).hasSize(1);
        ready(1);
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
    }

    @Test
    void aMissingProgramCountsAsFailedStartsAndItsRetriesAsRestarts() {
        host.failures.add("program 'nope' not found on PATH (/usr/bin:/bin)");
        host.failures.add("program 'nope' not found on PATH (/usr/bin:/bin)");

        load(settings("command=nope"));
        assertThat(vassal.status().startFailures()).isEqualTo(1);
        assertThat(vassal.status().restarts()).as("nothing was restarted yet").isZero();

        backoffTimer(1).fire(); // fails again
        assertThat(vassal.status().startFailures()).isEqualTo(2);
        assertThat(vassal.status().restarts()).as("the retry is a restart").isEqualTo(1);

        backoffTimer(1).fire(); // the program exists now
        ready(1);
        assertThat(vassal.status().startFailures()).isEqualTo(2);
        assertThat(vassal.status().restarts()).isEqualTo(2);
        assertThat(vassal.status().configError()).isFalse();
    }

    @Test
    void aBrokenFileUnderARunningVassalIsAConfigError() {
        load(settings("processes=1"));
        ready(1);
        assertThat(vassal.status().configError()).isFalse();

        vassal.handle(new ConfigInvalid("line 3: no '=' in 'oops'"));

        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
        assertThat(vassal.status().configError()).isTrue();
    }

    @Test
    void oneWorkerFailingToLaunchDoesNotHoldBackTheOthers() {
        host.failures.add("cannot create the log folder");
        load(settings("processes=3"));
        assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(vassal.status().workers()).extracting(WorkerStatus::state)
                .containsExactly(WorkerState.BACKOFF, WorkerState.STARTING, WorkerState.STARTING);
        assertThat(host.launches).hasSize(2);
        backoffTimer(1).fire();
        assertThat(vassal.status().workers()).extracting(WorkerStatus::state).containsOnly(WorkerState.STARTING);
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
    }

    @Test
    void aLaunchFailureOfOneWorkerStaysVisibleWhileItIsInBackoff() {
        host.failures.add("cannot create the log folder");
        load(settings("processes=3"));
        assertThat(worker(1).state()).isEqualTo(WorkerState.BACKOFF);
        assertThat(vassal.status().error()).isEqualTo("cannot start worker 1: cannot create the log folder");
    }

    @Test
    void aLaunchFailureWhileRespawningAfterACrashAlsoBacksOff() {
        runAll(settings());
        host.failures.add("working directory /srv/vassals does not exist");
        killed(1, 9);
        assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(vassal.status().error()).contains("working directory /srv/vassals does not exist");
        assertThat(backoffTimer(1).delay).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aRecoveredLaunchFailureDoesNotHideAnInvalidFile() {
        runAll(settings());
        vassal.handle(new ConfigInvalid("web.ini:3: broken"));
        host.failures.add("transient");
        killed(1, 9); // respawn fails
        backoffTimer(1).fire(); // respawn works
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(vassal.status().error()).contains("web.ini:3: broken");
    }

    // ---- giving up (max-fast-failures) and a preload that cannot start -------------------------

    /** The vassal gave up: failed (what it published last), saying why, with no retry left to start it. */
    void assertGaveUp() {
        assertThat(vassal.state()).isEqualTo(VassalState.FAILED);
        assertThat(host.published).last().isEqualTo(VassalState.FAILED);
        assertThat(vassal.status().error()).contains("gave up after");
        assertThat(host.pending(BackoffElapsed.class)).isEmpty();
        assertThat(host.pending(WorkerReady.class)).isEmpty();
    }

    @Test
    void aPreloadThatCannotBeLaunchedBacksOffAndIsRetried() {
        host.failures.add("program 'warm' not found on PATH (/usr/bin:/bin)");
        load(settings("processes=1", "preload=warm"));

        assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(vassal.status().error()).isEqualTo("cannot start preload: program 'warm' not found on PATH (/usr/bin:/bin)");
        Timer retry = host.pendingFor(BackoffElapsed.class, 0);
        assertThat(retry.delay).isEqualTo(Duration.ofSeconds(1));

        retry.fire(); // the program exists now
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(host.launches).extracting(l -> l.spec().argv()).containsExactly(List.of("warm"));
        vassal.handle(new WorkerExited(0, host.lastPid(), ExitStatus.exited(0)));
        ready(1);
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
        assertThat(vassal.status().error()).isNull();
    }

    @Test
    void aPreloadLaunchErrorGoesWhenTheFileNoLongerHasAPreload() {
        host.failures.add("program 'warm' not found on PATH (/usr/bin:/bin)");
        load(settings("processes=1", "preload=warm"));
        assertThat(vassal.status().error()).contains("cannot start preload");

        load(settings("processes=1"));
        ready(1);
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
        assertThat(vassal.status().error()).isNull();
    }

    @Test
    void aPreloadThatNeverLaunchesGivesUpAtMaxFastFailures() {
        host.failures.add("program 'warm' not found on PATH (/usr/bin:/bin)");
        host.failures.add("program 'warm' not found on PATH (/usr/bin:/bin)");
        load(settings("processes=1", "preload=warm", "max-fast-failures=2"));
        host.pendingFor(BackoffElapsed.class, 0).fire();

        assertGaveUp();
        assertThat(vassal.status().error()).contains("preload could not be started");
        assertThat(host.launches).isEmpty();
    }

    @Test
    void aLaunchFailureAtTheFirstStartCanGiveUp() {
        host.failures.add("program 'nope' not found on PATH (/usr/bin:/bin)");
        load(settings("processes=2", "command=nope", "max-fast-failures=1"));

        assertGaveUp();
        assertThat(vassal.status().error()).contains("worker 1 could not be started: program 'nope' not found");
        assertThat(host.launches).isEmpty(); // worker 2 does not start after the vassal gave up
        assertThat(vassal.hasLiveWorkers()).isFalse();
    }

    @Test
    void aLaunchFailureOfTheWorkersAfterPreloadCanGiveUp() {
        load(settings("processes=2", "preload=warm", "max-fast-failures=1"));
        host.failures.add("cannot create the log folder");
        vassal.handle(new WorkerExited(0, host.lastPid(), ExitStatus.exited(0)));

        assertGaveUp();
        assertThat(host.launches).hasSize(1); // the preload only
    }

    @Test
    void aLaunchFailureWhenABackoffIsOverCanGiveUp() {
        load(settings("max-fast-failures=2"));
        exit(1, 1); // fast failure 1
        host.failures.add("cannot create the log folder");
        backoffTimer(1).fire(); // fast failure 2

        assertGaveUp();
    }

    @Test
    void aLaunchFailureWhileRespawningAReadyWorkerCanGiveUp() {
        runAll(settings("processes=2", "max-fast-failures=1"));
        long other = pid(2);
        host.failures.add("working directory /srv/vassals does not exist");
        killed(1, 9);

        assertGaveUp();
        assertThat(host.signals).contains(new Sent(other, Signal.TERM)); // the others are stopped
        assertThat(worker(2).state()).isEqualTo(WorkerState.STOPPING);
    }

    @Test
    void aLaunchFailureWhileReplacingAWorkerCanGiveUp() {
        runAll(settings("max-fast-failures=1"));
        vassal.handle(new ReplaceWorker(1, pid(1), "grew past reload-on-rss"));
        host.failures.add("cannot create the log folder");
        killed(1, 15);

        assertGaveUp();
    }

    @Test
    void aLaunchFailureInAChainReloadCanGiveUp() {
        runAll(settings("processes=2", "lazy-apps=true", "max-fast-failures=1"));
        long old2 = pid(2);
        load(settings("processes=2", "lazy-apps=true", "max-fast-failures=1", "env=VERSION=2"));
        host.failures.add("cannot create the log folder");
        int mark = host.signals.size();
        killed(1, 15); // its replacement cannot be launched

        assertGaveUp();
        assertThat(host.signalsSince(mark)).contains(new Sent(old2, Signal.TERM)); // the old worker 2 goes too
        killed(2, 15);
        assertThat(vassal.state()).isEqualTo(VassalState.FAILED);
        assertThat(vassal.hasLiveWorkers()).isFalse();
    }

    // ---- stale events ----------------------------------------------------------------------

    @Test
    void anExitWithTheWrongPidIsIgnored() {
        runAll(settings());
        long p = pid(1);
        vassal.handle(new WorkerExited(1, p + 77, ExitStatus.exited(1)));
        vassal.handle(new WorkerExited(2, p, ExitStatus.exited(1))); // no such worker
        vassal.handle(new WorkerExited(0, p, ExitStatus.exited(1)));
        vassal.handle(new WorkerExited(-1, p, ExitStatus.exited(1)));
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
        assertThat(pid(1)).isEqualTo(p);
        assertThat(host.launches).hasSize(1);
        assertThat(host.signals).isEmpty();
        assertThat(vassal.status().restarts()).isZero();
    }

    @Test
    void aSecondExitForTheSameProcessIsIgnored() {
        runAll(settings());
        long p = pid(1);
        killed(1, 9);
        assertThat(host.launches).hasSize(2);
        vassal.handle(new WorkerExited(1, p, ExitStatus.killedBy(9)));
        assertThat(host.launches).hasSize(2);
        assertThat(vassal.status().restarts()).isEqualTo(1);
    }

    @Test
    void aReadyForTheWrongPidIsIgnored() {
        load(settings());
        long p = pid(1);
        vassal.handle(new WorkerReady(1, p + 1));
        vassal.handle(new WorkerReady(3, p));
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(worker(1).state()).isEqualTo(WorkerState.STARTING);
    }

    @Test
    void anOldWorkersReadyTimerDoesNotPromoteItsSuccessor() {
        load(settings());
        Timer oldReady = host.pendingFor(WorkerReady.class, 1);
        exit(1, 1);
        backoffTimer(1).fire();
        assertThat(oldReady.cancelled).isTrue();
        vassal.handle(oldReady.event); // delivered anyway
        assertThat(worker(1).state()).isEqualTo(WorkerState.STARTING);
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
    }

    @Test
    void aStopDeadlineForTheWrongPidOrAnExitedWorkerKillsNothing() {
        runAll(settings("processes=2"));
        long p1 = pid(1);
        vassal.handle(new StopRequested("removed"));
        Timer deadline1 = host.pendingFor(StopDeadline.class, 1);
        int before = host.signals.size();
        vassal.handle(new StopDeadline(1, p1 + 5));
        killed(1, 15);
        assertThat(deadline1.cancelled).isTrue();
        vassal.handle(deadline1.event); // the worker is gone; its pid may belong to someone else now
        assertThat(host.signalsSince(before)).containsExactly(new Sent(p1, Signal.KILL)); // only the post-exit group sweep
    }

    @Test
    void aStopDeadlineForARunningWorkerIsIgnored() {
        runAll(settings());
        vassal.handle(new StopDeadline(1, pid(1)));
        assertThat(host.signals).isEmpty();
    }

    @Test
    void aBackoffTimerOfAnotherGenerationIsIgnored() {
        load(settings("processes=2"));
        exit(1, 1);
        Timer backoff = backoffTimer(1);
        BackoffElapsed real = (BackoffElapsed) backoff.event;
        vassal.handle(new BackoffElapsed(1, real.generation() + 1));
        vassal.handle(new BackoffElapsed(1, real.generation() - 1));
        vassal.handle(new BackoffElapsed(2, real.generation())); // worker 2 is not in backoff
        vassal.handle(new BackoffElapsed(9, real.generation())); // no such worker
        assertThat(host.launches).hasSize(2);
        assertThat(worker(1).state()).isEqualTo(WorkerState.BACKOFF);
        backoff.fire();
        assertThat(host.launches).hasSize(3);
    }

    @Test
    void aWholeVassalBackoffTimerOfAnotherGenerationIsIgnored() {
        load(settings("master=false"));
        exit(1, 1);
        BackoffElapsed real = (BackoffElapsed) backoffTimer(0).event;
        vassal.handle(new BackoffElapsed(0, real.generation() + 1));
        vassal.handle(new BackoffElapsed(0, real.generation() - 1));
        assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(host.launches).hasSize(1);
    }

    @Test
    void eventsBeforeAnyConfigurationAreIgnored() {
        vassal.handle(new WorkerExited(1, 1000, ExitStatus.exited(0)));
        vassal.handle(new WorkerReady(1, 1000));
        vassal.handle(new StopDeadline(1, 1000));
        vassal.handle(new BackoffElapsed(0, 0));
        vassal.handle(new BackoffElapsed(1, 0));
        assertThat(vassal.state()).isEqualTo(VassalState.INVALID);
        assertThat(host.launches).isEmpty();
        assertThat(host.signals).isEmpty();
    }

    // ---- chain reload, preload, heartbeats ------------------------------------------------------

    @Test
    void aChainReloadReplacesOneWorkerAtATimeAndAlwaysKeepsOneServing() {
        runAll(settings("processes=2", "lazy-apps=true"));
        long old1 = pid(1);
        long old2 = pid(2);
        int mark = host.signals.size();

        load(settings("processes=2", "lazy-apps=true", "env=VERSION=2"));

        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
        assertThat(host.signalsSince(mark)).containsExactly(new Sent(old1, Signal.TERM)); // worker 2 keeps serving
        killed(1, 15);
        long new1 = pid(1);
        assertThat(new1).isNotEqualTo(old1);
        assertThat(host.launches.get(host.launches.size() - 1).spec().environment()).containsEntry("VERSION", "2");
        assertThat(host.signalsSince(mark)).doesNotContain(new Sent(old2, Signal.TERM)); // not before its successor is ready

        ready(1);
        assertThat(host.signalsSince(mark)).contains(new Sent(old2, Signal.TERM));
        assertThat(worker(1).pid()).isEqualTo(new1); // the new worker 1 serves while worker 2 is replaced
        killed(2, 15);
        ready(2);

        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
        assertThat(host.launches).hasSize(4);
        assertThat(host.launches.subList(2, 4)).allSatisfy(l ->
                assertThat(l.spec().environment()).containsEntry("VERSION", "2"));
        assertThat(vassal.status().restarts()).isZero(); // planned replacements are not restarts
    }

    @Test
    void aChainReloadThatGrowsTheVassalStartsTheNewSlotsLast() {
        runAll(settings("processes=1", "lazy-apps=true"));
        load(settings("processes=2", "lazy-apps=true"));
        killed(1, 15);
        ready(1);
        ready(2);
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
        assertThat(vassal.status().workers()).hasSize(2);
    }

    @Test
    void preloadRunsOnceBeforeTheWorkersAndTheyStartWhenItSucceeds() {
        load(settings("processes=2", "preload=warm --cache"));

        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(host.launches).hasSize(1);
        assertThat(host.launches.get(0).spec().argv()).containsExactly("warm", "--cache");
        assertThat(vassal.status().workers()).allSatisfy(w -> assertThat(w.pid()).isNull());

        vassal.handle(new WorkerExited(0, host.lastPid(), ExitStatus.exited(0)));

        assertThat(host.launches).hasSize(3);
        assertThat(host.launches.subList(1, 3)).allSatisfy(l ->
                assertThat(l.spec().argv()).containsExactly("serve", "--port", "8080"));
        ready(1);
        ready(2);
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
    }

    @Test
    void aFailingPreloadBacksOffTheWholeVassalAndRunsAgain() {
        load(settings("processes=2", "preload=warm"));
        vassal.handle(new WorkerExited(0, host.lastPid(), ExitStatus.exited(3)));

        assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(vassal.status().lastExit()).isEqualTo("preload exited with code 3");
        assertThat(host.launches).hasSize(1); // no worker started without its preload
        host.pendingFor(BackoffElapsed.class, 0).fire();
        assertThat(host.launches).hasSize(2);
        assertThat(host.launches.get(1).spec().argv()).containsExactly("warm");
    }

    @Test
    void anAllAtOnceReloadRunsPreloadAgainAfterTheOldWorkersAreGone() {
        load(settings("processes=1", "preload=warm"));
        vassal.handle(new WorkerExited(0, host.lastPid(), ExitStatus.exited(0)));
        ready(1);
        vassal.handle(new ReloadRequested("operator"));
        assertThat(vassal.state()).isEqualTo(VassalState.RELOADING);
        killed(1, 15);
        assertThat(host.launches.get(host.launches.size() - 1).spec().argv()).containsExactly("warm");
    }

    Heartbeat beat(int id, long seq) {
        return new Heartbeat(id, pid(id), pid(id), seq, seq * 1000, -1, -1, java.util.Map.of("jvm.thread.count", 12));
    }

    Timer heartbeatDeadline() {
        List<Timer> pending = host.pending(HeartbeatDeadline.class);
        assertThat(pending).as("one armed heartbeat deadline").hasSize(1);
        return pending.get(0);
    }

    @Test
    void theFirstHeartbeatMakesAWorkerReadyAndBeatsInTimeKeepItAlive() {
        load(settings("heartbeat=1"));
        assertThat(worker(1).health()).isEqualTo("waiting");
        vassal.handle(beat(1, 1));
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
        assertThat(worker(1).health()).isEqualTo("ok");
        assertThat(worker(1).telemetry()).containsEntry("jvm.thread.count", 12);

        // Beats keep coming: when the deadline fires it finds them and re-arms itself.
        host.now += 20_000;
        vassal.handle(beat(1, 2));
        host.now += 15_000;
        heartbeatDeadline().fire();
        assertThat(host.pidSignals).isEmpty();
        assertThat(vassal.status().restarts()).isZero();
        assertThat(heartbeatDeadline().delay).isEqualTo(Duration.ofSeconds(15)); // 30 s after the last beat
    }

    @Test
    void heartbeatLossMakesAWorkerHungItsDumpIsKeptAndItIsReplaced() {
        load(settings("heartbeat=1"));
        vassal.handle(beat(1, 1));
        long hung = pid(1);
        host.now += 31_000; // required-heartbeat is 30 s

        heartbeatDeadline().fire();

        assertThat(host.pidSignals).containsExactly(hung + " " + Signal.QUIT);
        assertThat(worker(1).health()).isEqualTo("hung");
        host.recentOutput = "Full thread dump OpenJDK 64-Bit Server VM";
        int mark = host.signals.size();
        host.pending(HungKill.class).get(0).fire();

        assertThat(host.signalsSince(mark)).contains(new Sent(hung, Signal.KILL));
        WorkerStatus.RestartRecord record = worker(1).lastRestart();
        assertThat(record.reason()).startsWith("hung: no heartbeat for 31 s").contains("required-heartbeat is 30 s");
        assertThat(record.evidence()).contains("Full thread dump");
        assertThat(vassal.status().restarts()).isEqualTo(1);

        killed(1, 9);
        assertThat(pid(1)).isNotEqualTo(hung); // replaced at once, no backoff
        assertThat(worker(1).lastRestart()).isEqualTo(record);
    }

    @Test
    void aWorkerThatNeverSendsAHeartbeatIsDiagnosedNotKilled() {
        load(settings("heartbeat=1"));
        host.now += 61_000;
        heartbeatDeadline().fire();

        assertThat(worker(1).health()).isEqualTo("silent");
        assertThat(worker(1).diagnosis()).contains("no agent is running in the worker");
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING); // ready by grace, not killed
        assertThat(host.pidSignals).isEmpty();
    }

    // ---- status --------------------------------------------------------------------------------

    @Test
    void statusIsAnImmutableSnapshot() {
        load(settings("processes=2"));
        VassalStatus before = vassal.status();
        ready(1);
        assertThat(before.workers().get(0).state()).isEqualTo(WorkerState.STARTING);
        assertThat(vassal.status().workers().get(0).state()).isEqualTo(WorkerState.RUNNING);
        assertThatThrownBy(() -> before.workers().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void everyHandledEventIsPublished() {
        load(settings());
        vassal.handle(new WorkerExited(1, 4242, ExitStatus.exited(0))); // even an ignored one
        ready(1);
        assertThat(host.published).hasSize(3);
    }

    @Test
    void stateLabelsAreLowerCase() {
        assertThat(VassalState.BACKOFF.label()).isEqualTo("backoff");
        assertThat(VassalState.RELOADING.label()).isEqualTo("reloading");
        assertThat(WorkerState.STOPPING.label()).isEqualTo("stopping");
    }

    @Nested
    class DescribeExit {
        @Test
        void exitCodesAndSignalsStayApart() {
            assertThat(ExitStatus.exited(0).describe()).isEqualTo("exited with code 0");
            assertThat(ExitStatus.exited(1).describe()).isEqualTo("exited with code 1");
            assertThat(ExitStatus.exited(137).describe()).isEqualTo("exited with code 137");
            assertThat(ExitStatus.killedBy(9).describe()).isEqualTo("was killed by SIGKILL");
            assertThat(ExitStatus.killedBy(15).describe()).isEqualTo("was killed by SIGTERM");
            assertThat(ExitStatus.killedBy(11).describe()).isEqualTo("was killed by signal 11");
            assertThat(ExitStatus.LOST.describe()).isEqualTo("ended (its exit status was lost)");
            assertThat(ExitStatus.exited(0).succeeded()).isTrue();
            assertThat(ExitStatus.killedBy(9).succeeded()).isFalse();
        }

        @Test
        void aWorkerThatExitsWith137WasNotKilled() {
            runAll(settings());
            exit(1, 137);
            assertThat(vassal.status().lastExit()).endsWith("exited with code 137");
        }
    }
}
