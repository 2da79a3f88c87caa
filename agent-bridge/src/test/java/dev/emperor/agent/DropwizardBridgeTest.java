package dev.emperor.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.SharedMetricRegistries;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Against the real metrics-core (test scope only: the agent jar has no Dropwizard classes). */
class DropwizardBridgeTest {

    @Test
    void forwardsCountersGaugesMetersAndTimers() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        registry.counter("jobs.done").inc(3);
        registry.register("queue size", (Gauge<Integer>) () -> 17);
        registry.register("ratio", (Gauge<Double>) () -> 0.25);
        registry.register("name", (Gauge<String>) () -> "not a number");
        registry.register("nan", (Gauge<Double>) () -> Double.NaN);
        registry.register("broken", (Gauge<Long>) () -> {
            throw new IllegalStateException("app bug");
        });
        registry.meter("logins").mark(5);
        registry.timer("http.get").update(20, TimeUnit.MILLISECONDS);

        Map<String, Number> out = new LinkedHashMap<>();
        assertThat(DropwizardBridge.of(registry).export(new AppState.Budget(TelemetrySink.of(out), 100))).isTrue();

        assertThat(out).containsEntry("app.jobs.done", 3L).containsEntry("app.queue_size", 17L)
                .containsEntry("app.ratio", 0.25).containsEntry("app.logins.count", 5L).containsKey("app.logins.m1_rate")
                .containsEntry("app.http.get.count", 1L).containsEntry("app.http.get.max_ms", 20.0)
                .containsEntry("app.http.get.mean_ms", 20.0).containsEntry("app.http.get.p99_ms", 20.0)
                .doesNotContainKeys("app.name", "app.nan", "app.broken");
    }

    @Test
    void throughThePublicApiAndTheBudget() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        for (int i = 0; i < 20; i++) registry.counter("c" + i).inc();
        AppState state = new AppState();
        state.bridges.add(DropwizardBridge.of(registry));
        Map<String, Number> out = new LinkedHashMap<>();
        state.export(TelemetrySink.of(out), 5);
        assertThat(out).hasSize(5);
    }

    @Test
    void sharedRegistriesAreFoundWhenAskedFor() {
        SharedMetricRegistries.getOrCreate("dw-test").counter("shared.hits").inc(9);
        try {
            AppState state = new AppState();
            state.sharedDropwizard = true;
            Map<String, Number> out = new LinkedHashMap<>();
            state.export(TelemetrySink.of(out), 100);
            assertThat(out).containsEntry("app.shared.hits", 9L);
        } finally {
            SharedMetricRegistries.remove("dw-test");
        }
    }

    @Test
    void refusesWhatIsNotARegistry() {
        assertThatThrownBy(() -> DropwizardBridge.of("a string")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DropwizardBridge.of(null)).isInstanceOf(IllegalArgumentException.class);
        EmperorAgent.bridgeDropwizard(new Object()); // logs, never throws into the app
    }
}
