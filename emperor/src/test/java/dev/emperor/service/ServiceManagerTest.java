package dev.emperor.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emperor.vassal.VassalState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the emperor tells systemd, and when, with a recorded socket and a hand-turned loop clock. */
class ServiceManagerTest {

    private long now = 1_000_000_000L;
    private final List<String> sent = new ArrayList<>();
    private final List<Runnable> due = new ArrayList<>();
    private final List<Duration> delays = new ArrayList<>();
    private List<VassalState> states = List.of(VassalState.STARTING, VassalState.RUNNING);
    private boolean full;

    private ServiceManager manager(Optional<Duration> watchdog) {
        NotifySender sender = m -> {
            if (full) throw new NotifySender.NotifyException("queue full");
            sent.add(m);
        };
        ServiceManager.LoopTimer timer = (delay, task) -> {
            delays.add(delay);
            due.add(task);
        };
        ServiceManager s = new ServiceManager(sender, "@test", timer, () -> (Collection<VassalState>) states,
                () -> now, () -> 42L, watchdog, Optional.empty());
        s.start();
        return s;
    }

    /** Advances the clock by {@code ms} and runs the timer that was due, as the loop would. */
    private void tick(long ms) {
        now += ms * 1_000_000L;
        Runnable next = due.removeFirst();
        next.run();
    }

    @Test
    void readyCarriesTheFirstStatusAndEveryLifecycleStepFollows() {
        ServiceManager s = manager(Optional.empty());
        s.ready();
        s.reloading();
        s.ready();
        s.stopping();
        assertThat(sent).containsExactly("READY=1\nSTATUS=2 vassals: 1 running, 1 starting, 0 backoff, 0 invalid, 0 failed",
                "RELOADING=1\nMONOTONIC_USEC=42",
                "READY=1\nSTATUS=2 vassals: 1 running, 1 starting, 0 backoff, 0 invalid, 0 failed",
                "STOPPING=1");
    }

    @Test
    void aRefusedReloadIsReadyAgainAndItsReasonStaysInTheStatusUntilAReloadWorks() {
        ServiceManager s = manager(Optional.empty());
        s.ready();
        s.reloading();
        s.reloadFailed("/etc/emperor/emperor.ini:3: unknown option 'emperr'\nsecond line");
        assertThat(sent.get(2)).isEqualTo("READY=1\nSTATUS=settings reload failed: /etc/emperor/emperor.ini:3:"
                + " unknown option 'emperr' second line (see the log); 2 vassals: 1 running, 1 starting, 0 backoff,"
                + " 0 invalid, 0 failed");
        sent.clear();
        states = List.of(VassalState.RUNNING, VassalState.RUNNING);
        tick(1000);
        assertThat(sent).singleElement().asString().startsWith("STATUS=settings reload failed: ")
                .endsWith("; 2 vassals: 2 running, 0 backoff, 0 invalid, 0 failed");
        s.reloading();
        s.ready();
        assertThat(sent.getLast()).isEqualTo("READY=1\nSTATUS=2 vassals: 2 running, 0 backoff, 0 invalid, 0 failed");
    }

    @Test
    void statusIsSentOnChangeAtMostOnceASecondAndTheLastOneAlways() {
        ServiceManager s = manager(Optional.empty());
        assertThat(s.tickInterval()).isEqualTo(Duration.ofSeconds(1));
        s.ready();
        sent.clear();
        tick(1000);
        assertThat(sent).as("nothing changed").isEmpty();
        states = List.of(VassalState.RUNNING, VassalState.RUNNING);
        tick(1000);
        states = List.of(VassalState.RUNNING, VassalState.BACKOFF);
        states = List.of(VassalState.RUNNING, VassalState.FAILED); // two changes within one second: the last wins
        tick(1000);
        assertThat(sent).containsExactly("STATUS=2 vassals: 2 running, 0 backoff, 0 invalid, 0 failed",
                "STATUS=2 vassals: 1 running, 0 backoff, 0 invalid, 1 failed");
        assertThat(delays).allMatch(d -> d.equals(Duration.ofSeconds(1)));
    }

    @Test
    void watchdogPingsAtHalfThePeriodFromTheLoopTimer() {
        ServiceManager s = manager(Optional.of(Duration.ofSeconds(2)));
        assertThat(s.tickInterval()).isEqualTo(Duration.ofSeconds(1));
        for (int i = 0; i < 3; i++) tick(1000);
        assertThat(sent).containsExactly("WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1");
        sent.clear();
        due.clear();
        // a long period: one ping per half period although the loop ticks every second
        manager(Optional.of(Duration.ofSeconds(30)));
        for (int i = 0; i < 30; i++) tick(1000);
        assertThat(sent).containsExactly("WATCHDOG=1", "WATCHDOG=1");
    }

    @Test
    void aShortWatchdogMakesTheLoopTickFaster() {
        assertThat(manager(Optional.of(Duration.ofMillis(600))).tickInterval()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void noTimerAndNoTickWhenTheWatchdogStops() {
        manager(Optional.of(Duration.ofSeconds(2)));
        tick(1000);
        assertThat(sent).containsExactly("WATCHDOG=1");
        // the loop wedges: the timer that is due never runs, so nothing else is sent
        now += 10_000_000_000L;
        assertThat(sent).hasSize(1);
        assertThat(due).hasSize(1);
    }

    @Test
    void lifecycleMessagesNotTakenAreSentInOrderLater() {
        ServiceManager s = manager(Optional.empty());
        full = true;
        s.ready();
        s.stopping();
        assertThat(sent).isEmpty();
        full = false;
        tick(1000);
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0)).startsWith("READY=1\n");
        assertThat(sent.get(1)).isEqualTo("STOPPING=1");
    }

    @Test
    void watchdogBelongsToThisProcessOnlyWhenWatchdogPidAllowsIt() {
        assertThat(ServiceManager.watchdog(Map.of("WATCHDOG_USEC", "2000000"), 7)).contains(Duration.ofSeconds(2));
        assertThat(ServiceManager.watchdog(Map.of("WATCHDOG_USEC", "2000000", "WATCHDOG_PID", "7"), 7))
                .contains(Duration.ofSeconds(2));
        assertThat(ServiceManager.watchdog(Map.of("WATCHDOG_USEC", "2000000", "WATCHDOG_PID", "8"), 7)).isEmpty();
        assertThat(ServiceManager.watchdog(Map.of("WATCHDOG_USEC", "soon"), 7)).isEmpty();
        assertThat(ServiceManager.watchdog(Map.of(), 7)).isEmpty();
    }

    @Test
    void withoutNotifySocketNothingIsSentAndNoTimerRuns() {
        ServiceManager s = ServiceManager.fromEnvironment(Map.of("WATCHDOG_USEC", "2000000"), 7,
                (d, t) -> due.add(t), () -> states);
        s.start();
        s.ready();
        s.stopping();
        assertThat(due).isEmpty();
    }

    @Test
    void statusLineNamesTheFourStatesAlwaysAndPassingOnesWhenPresent() {
        assertThat(StatusLine.of(List.of())).isEqualTo("0 vassals: 0 running, 0 backoff, 0 invalid, 0 failed");
        assertThat(StatusLine.of(List.of(VassalState.INVALID, VassalState.RELOADING, VassalState.RUNNING)))
                .isEqualTo("3 vassals: 1 running, 1 reloading, 0 backoff, 1 invalid, 0 failed");
    }
}
