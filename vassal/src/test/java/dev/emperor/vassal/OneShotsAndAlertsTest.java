package dev.emperor.vassal;

import static dev.emperor.vassal.VassalTest.settings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.emperor.vassal.FakeHost.Sent;
import dev.emperor.vassal.FakeHost.Timer;
import dev.emperor.vassal.VassalAlert.Kind;
import dev.emperor.vassal.VassalEvent.BackoffElapsed;
import dev.emperor.vassal.VassalEvent.ConfigInvalid;
import dev.emperor.vassal.VassalEvent.ConfigLoaded;
import dev.emperor.vassal.VassalEvent.Heartbeat;
import dev.emperor.vassal.VassalEvent.HeartbeatDeadline;
import dev.emperor.vassal.VassalEvent.HungKill;
import dev.emperor.vassal.VassalEvent.StopDeadline;
import dev.emperor.vassal.VassalEvent.StopRequested;
import dev.emperor.vassal.VassalEvent.WorkerExited;
import dev.emperor.vassal.VassalEvent.WorkerReady;
import dev.emperor.vassal.process.ExitStatus;
import dev.emperor.vassal.process.Signal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** exec-pre, exec-post-stop and the on-event alerts, against the fake host. */
class OneShotsAndAlertsTest {

    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("emperor.vassal");

    static {
        QUIET.setLevel(java.util.logging.Level.OFF);
    }

    final FakeHost host = new FakeHost();
    final Vassal vassal = new Vassal("web", VassalTest.FILE, host, host.defaults());

    void load(VassalSettings s) {
        vassal.handle(new ConfigLoaded(s));
    }

    long pid(int id) {
        return vassal.status().workers().get(id - 1).pid();
    }

    List<List<String>> argvs() {
        return host.launches.stream().map(l -> l.spec().argv()).toList();
    }

    void oneShotExits(int code) {
        vassal.handle(new WorkerExited(OneShots.ID, host.lastPid(), ExitStatus.exited(code)));
    }

    List<Kind> alerted() {
        return host.alerts.stream().map(VassalAlert::kind).toList();
    }

    // ---- exec-pre ---------------------------------------------------------------------------

    @Test
    void execPreRunsInOrderBeforeTheFirstWorkerAsTheWorkersWouldRun() {
        load(settings("processes=2", "exec-pre=migrate --up", "exec-pre=warm", "env=APP=1", "uid=1234"));

        assertThat(vassal.state()).isEqualTo(VassalState.STARTING);
        assertThat(argvs()).containsExactly(List.of("migrate", "--up")); // no worker yet
        var spec = host.launches.get(0).spec();
        assertThat(spec.environment()).containsEntry("APP", "1").containsEntry("EMPEROR_VASSAL", "web")
                .containsEntry("EMPEROR_PHASE", "exec-pre");
        assertThat(spec.limits().uid()).contains("1234");
        assertThat(host.watches).containsExactly(new FakeHost.Watch(OneShots.ID, host.lastPid()));
        assertThat(host.pending(StopDeadline.class)).extracting(t -> t.delay).containsExactly(Duration.ofSeconds(60));

        oneShotExits(0);
        assertThat(argvs()).containsExactly(List.of("migrate", "--up"), List.of("warm"));
        oneShotExits(0);

        assertThat(argvs()).hasSize(4).last().isEqualTo(List.of("serve", "--port", "8080"));
        assertThat(host.pending(StopDeadline.class)).isEmpty(); // both timeouts disarmed
        host.pending(WorkerReady.class).forEach(Timer::fire);
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
    }

    @Test
    void aFailedExecPreIsAFastFailureShownAsTheVassalsErrorAndRetriedAfterBackoff() {
        load(settings("exec-pre=migrate", "exec-pre=never-reached"));
        oneShotExits(3);

        assertThat(vassal.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(vassal.status().error()).contains("exec-pre `migrate` exited with code 3");
        assertThat(vassal.status().restarts()).isEqualTo(1);
        assertThat(argvs()).containsExactly(List.of("migrate"));
        assertThat(alerted()).containsExactly(Kind.CRASH_LOOP);

        host.pendingFor(BackoffElapsed.class, 0).fire();
        assertThat(argvs()).containsExactly(List.of("migrate"), List.of("migrate")); // from the first again
        oneShotExits(0);
        oneShotExits(0);
        host.pending(WorkerReady.class).forEach(Timer::fire);
        assertThat(vassal.state()).isEqualTo(VassalState.RUNNING);
        assertThat(vassal.status().error()).isNull();
        assertThat(alerted()).containsExactly(Kind.CRASH_LOOP, Kind.RECOVERED);
    }

    @Test
    void anExecPreThatCannotStartOrHangsFailsTheStart() {
        host.failures.add("program 'migrate' not found on PATH (/usr/bin:/bin)");
        load(settings("exec-pre=migrate", "exec-timeout=5", "max-fast-failures=2"));
        assertThat(vassal.status().error()).contains("exec-pre `migrate` could not be started: program 'migrate' not found");
        host.pendingFor(BackoffElapsed.class, 0).fire();

        Timer timeout = host.pendingFor(StopDeadline.class, OneShots.ID);
        assertThat(timeout.delay).isEqualTo(Duration.ofSeconds(5));
        long hung = host.lastPid();
        timeout.fire();
        assertThat(host.signals).contains(new Sent(hung, Signal.KILL));
        assertThat(vassal.state()).isEqualTo(VassalState.STARTING); // until it is really gone
        vassal.handle(new WorkerExited(OneShots.ID, hung, ExitStatus.killedBy(9)));

        assertThat(vassal.state()).isEqualTo(VassalState.FAILED);
        assertThat(vassal.status().error()).contains("gave up").contains("killed after exec-timeout (5.0 s)");
        assertThat(alerted()).containsExactly(Kind.CRASH_LOOP, Kind.FAILED);
    }

    @Test
    void aRespawnedWorkerRunsNoExecPreButAnAllAtOnceReloadDoes() {
        load(settings("exec-pre=migrate"));
        oneShotExits(0);
        host.pending(WorkerReady.class).forEach(Timer::fire);
        vassal.handle(new WorkerExited(1, pid(1), ExitStatus.exited(1))); // died after it was ready
        assertThat(argvs()).extracting(a -> a.get(0)).containsExactly("migrate", "serve", "serve");

        host.pending(WorkerReady.class).forEach(Timer::fire);
        load(settings("exec-pre=migrate", "env=V=2"));
        vassal.handle(new WorkerExited(1, pid(1), ExitStatus.killedBy(15)));
        assertThat(argvs()).extracting(a -> a.get(0)).containsExactly("migrate", "serve", "serve", "migrate");
    }

    @Test
    void aStopDuringExecPreKillsIt() {
        load(settings("exec-pre=migrate"));
        long pre = host.lastPid();
        vassal.handle(new StopRequested("file removed"));

        assertThat(host.signals).contains(new Sent(pre, Signal.KILL));
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
        vassal.handle(new WorkerExited(OneShots.ID, pre, ExitStatus.killedBy(9))); // late: ignored
        assertThat(argvs()).hasSize(1);
    }

    // ---- exec-post-stop ---------------------------------------------------------------------

    @Test
    void execPostStopRunsAfterTheLastWorkerIsGoneAndThenTheVassalIsStopped() {
        load(settings("processes=2", "exec-post-stop=cleanup", "exec-post-stop=notify"));
        host.pending(WorkerReady.class).forEach(Timer::fire);
        vassal.handle(new StopRequested("file removed"));
        vassal.handle(new WorkerExited(1, pid(1), ExitStatus.exited(0)));
        assertThat(argvs()).hasSize(2); // one worker is still there

        vassal.handle(new WorkerExited(2, pid(2), ExitStatus.exited(0)));
        assertThat(argvs()).last().isEqualTo(List.of("cleanup"));
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPING);

        oneShotExits(1); // a failure is logged; the rest do not run and the vassal stops anyway
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
        assertThat(host.published).last().isEqualTo(VassalState.STOPPED);
        assertThat(argvs()).hasSize(3);
    }

    @Test
    void aStopWithNoWorkerLeftRunsExecPostStopAtOnce() {
        load(settings("exec-post-stop=cleanup"));
        vassal.handle(new WorkerExited(1, pid(1), ExitStatus.exited(1))); // fast failure: backoff, none alive
        vassal.handle(new StopRequested("emperor stop"));
        assertThat(argvs()).last().isEqualTo(List.of("cleanup"));
        oneShotExits(0);
        assertThat(vassal.state()).isEqualTo(VassalState.STOPPED);
    }

    // ---- alerts -----------------------------------------------------------------------------

    @Test
    void aCrashLoopIsAlertedOnceThenFailedOnce() {
        load(settings("max-fast-failures=3"));
        for (int i = 0; i < 2; i++) {
            vassal.handle(new WorkerExited(1, pid(1), ExitStatus.exited(1)));
            host.pendingFor(BackoffElapsed.class, 1).fire();
        }
        assertThat(alerted()).containsExactly(Kind.CRASH_LOOP);
        VassalAlert a = host.alerts.get(0);
        assertThat(a.vassal()).isEqualTo("web");
        assertThat(a.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(a.config()).isEqualTo(VassalTest.FILE);
        assertThat(a.restarts()).isEqualTo(1);
        assertThat(a.reason()).contains("exited with code 1");

        vassal.handle(new WorkerExited(1, pid(1), ExitStatus.exited(1)));
        assertThat(alerted()).containsExactly(Kind.CRASH_LOOP, Kind.FAILED);
    }

    @Test
    void anUnusableFileIsAlertedOnceAndItsFixAsRecovered() {
        load(settings());
        host.pending(WorkerReady.class).forEach(Timer::fire);
        vassal.handle(new ConfigInvalid("web.ini:3: processes: expected a whole number"));
        vassal.handle(new ConfigInvalid("web.ini:3: processes: expected a whole number"));
        assertThat(alerted()).containsExactly(Kind.CONFIG_INVALID);
        assertThat(host.alerts.get(0).state()).isEqualTo(VassalState.RUNNING); // the old config still runs

        vassal.handle(new VassalEvent.ConfigRestored());
        assertThat(alerted()).containsExactly(Kind.CONFIG_INVALID, Kind.RECOVERED);
    }

    @Test
    void aHungWorkerKilledIsAlertedWithItsPid() {
        load(settings("heartbeat=1"));
        long hung = pid(1);
        vassal.handle(new Heartbeat(1, hung, hung, 1, 1000, -1, -1, Map.of()));
        host.now += 31_000;
        host.pending(HeartbeatDeadline.class).get(0).fire();
        assertThat(host.alerts).isEmpty(); // a thread dump is asked for first
        host.pending(HungKill.class).get(0).fire();

        assertThat(alerted()).containsExactly(Kind.HUNG_KILLED);
        assertThat(host.alerts.get(0).pid()).isEqualTo(hung);
        assertThat(host.alerts.get(0).reason()).startsWith("hung: no heartbeat");
    }

    @Test
    void aHealthyVassalAlertsNothing() {
        load(settings("processes=2"));
        host.pending(WorkerReady.class).forEach(Timer::fire);
        vassal.handle(new StopRequested("file removed"));
        assertThat(host.alerts).isEmpty();
    }
}
