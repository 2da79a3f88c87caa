package dev.emperor.vassal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ThrottleTest {

    @Test
    void theDefaultIsOneSecondDoublingUpToThreeMinutes() {
        assertThat(Throttle.DEFAULT.step()).isEqualTo(Duration.ofSeconds(1));
        assertThat(Throttle.DEFAULT.max()).isEqualTo(Duration.ofMinutes(3));
        long[] expectedSeconds = {1, 2, 4, 8, 16, 32, 64, 128, 180, 180};
        for (int failures = 1; failures <= expectedSeconds.length; failures++) {
            assertThat(Throttle.DEFAULT.delay(failures)).as("after %d failures", failures)
                    .isEqualTo(Duration.ofSeconds(expectedSeconds[failures - 1]));
        }
    }

    @Test
    void noFailuresMeansNoDelay() {
        assertThat(Throttle.DEFAULT.delay(0)).isZero();
        assertThat(Throttle.DEFAULT.delay(-3)).isZero();
    }

    @Test
    void manyFailuresStayAtTheCapWithoutOverflow() {
        assertThat(Throttle.DEFAULT.delay(64)).isEqualTo(Duration.ofMinutes(3));
        assertThat(Throttle.DEFAULT.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(3));
        Throttle huge = new Throttle(Duration.ofMillis(1), Duration.ofDays(365 * 1000L));
        assertThat(huge.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofDays(365 * 1000L));
    }

    @Test
    void theCapNeedNotBeAPowerOfTwoOfTheStep() {
        Throttle t = new Throttle(Duration.ofMillis(300), Duration.ofMillis(1000));
        assertThat(t.delay(1)).isEqualTo(Duration.ofMillis(300));
        assertThat(t.delay(2)).isEqualTo(Duration.ofMillis(600));
        assertThat(t.delay(3)).isEqualTo(Duration.ofMillis(1000));
        assertThat(t.delay(4)).isEqualTo(Duration.ofMillis(1000));
    }

    @Test
    void aMaxBelowTheStepIsRaisedToTheStep() {
        Throttle t = new Throttle(Duration.ofSeconds(5), Duration.ofSeconds(1));
        assertThat(t.max()).isEqualTo(Duration.ofSeconds(5));
        assertThat(t.delay(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(t.delay(10)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aZeroStepNeverWaits() {
        Throttle t = new Throttle(Duration.ZERO, Duration.ZERO);
        assertThat(t.delay(1)).isZero();
        assertThat(t.delay(100)).isZero();
    }

    @Test
    void negativeDurationsAreRefused() {
        assertThatThrownBy(() -> new Throttle(Duration.ofSeconds(-1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Throttle(Duration.ofSeconds(1), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
