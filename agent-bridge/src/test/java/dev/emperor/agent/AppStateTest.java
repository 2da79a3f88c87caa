package dev.emperor.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.emperor.agent.protocol.Message;
import dev.emperor.agent.protocol.Severity;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AppStateTest {

    private final AppState state = new AppState();

    private Map<String, Number> export() {
        Map<String, Number> out = new LinkedHashMap<>();
        state.export(TelemetrySink.of(out), AppState.MAX_APP_ENTRIES);
        return out;
    }

    @Test
    void countersTimersAndGaugesBecomeAppTelemetry() {
        state.counter("orders").inc();
        state.counter("orders").inc(4);
        EmperorAgent.Timer t = state.timer("db.query");
        t.record(Duration.ofMillis(3));
        t.record(Duration.ofNanos(1_500_000));
        t.recordNanos(-1); // ignored
        state.gauge("pool.idle", () -> 3);

        assertThat(export()).containsEntry("app.orders", 5L).containsEntry("app.db.query.count", 2L)
                .containsEntry("app.db.query.total_ms", 4.5).containsEntry("app.db.query.max_ms", 3.0)
                .containsEntry("app.pool.idle", 3L);
        assertThat(export()).as("max_ms is per heartbeat").containsEntry("app.db.query.max_ms", 0.0)
                .containsEntry("app.db.query.total_ms", 4.5);
    }

    @Test
    void namesAreSanitisedAndKindsDoNotMix() {
        state.counter("http requests/s").inc();
        assertThat(export()).containsKey("app.http_requests_s");
        assertThat(state.counter("http requests/s")).isSameAs(state.counter("http_requests_s"));
        assertThatThrownBy(() -> state.timer("http_requests_s")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already a counter");
        assertThatThrownBy(() -> state.gauge("http_requests_s", () -> 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> state.counter("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(AppState.metricName("x".repeat(1000)).length() + "app..total_ms".length())
                .isLessThanOrEqualTo(Message.Heartbeat.MAX_KEY_LENGTH);
    }

    @Test
    void aGaugeCanBeReplacedAndAFailingOneIsSkipped() {
        state.gauge("g", () -> 1);
        state.gauge("g", () -> 2);
        state.gauge("bad", () -> {
            throw new IllegalStateException("app bug");
        });
        assertThat(export()).containsEntry("app.g", 2L).doesNotContainKey("app.bad");
    }

    @Test
    void theBudgetBoundsAppEntries() {
        for (int i = 0; i < 50; i++) state.counter("c" + i).inc();
        Map<String, Number> out = new LinkedHashMap<>();
        state.export(TelemetrySink.of(out), 10);
        assertThat(out).hasSize(10);
    }

    @Test
    void eventsWaitingForAnEmperorAreBounded() {
        for (int i = 0; i < AppState.MAX_QUEUED + 20; i++) state.event(Severity.INFO, "e" + i);
        assertThat(state.next()).isEqualTo(new Message.Event(Severity.INFO, "e20")); // the oldest 20 went
        int left = 1;
        while (state.next() != null) left++;
        assertThat(left).isEqualTo(AppState.MAX_QUEUED);
    }

    @Test
    void countersAreExactUnderContention() throws Exception {
        EmperorAgent.Counter c = state.counter("hits");
        EmperorAgent.Timer t = state.timer("lat");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int i = 0; i < 8; i++) {
                pool.execute(() -> {
                    for (int j = 0; j < 100_000; j++) {
                        c.inc();
                        t.recordNanos(j);
                    }
                });
            }
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(c.count()).isEqualTo(800_000);
        assertThat(export()).containsEntry("app.lat.count", 800_000L).containsEntry("app.lat.max_ms", 99_999 / 1e6);
    }
}
