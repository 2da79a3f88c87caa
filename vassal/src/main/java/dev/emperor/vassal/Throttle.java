package dev.emperor.vassal;

import java.time.Duration;

/**
 * How long to wait before restarting after consecutive fast failures: {@code step} after the
 * first, doubling each time, never more than {@code max}. (uWSGI's emperor grows by one step
 * per failure; doubling reaches a sane cap in a few tries and leaves a flapping app alone.)
 */
public record Throttle(Duration step, Duration max) {

    public static final Throttle DEFAULT = new Throttle(Duration.ofSeconds(1), Duration.ofMinutes(3));

    public Throttle {
        if (step.isNegative() || max.isNegative()) throw new IllegalArgumentException("negative throttle");
        if (max.compareTo(step) < 0) max = step;
    }

    /** The delay before the next try after {@code failures} consecutive fast failures (>= 1). */
    public Duration delay(int failures) {
        if (failures <= 0) return Duration.ZERO;
        long ms = step.toMillis();
        for (int i = 1; i < failures && ms < max.toMillis(); i++) {
            ms *= 2;
        }
        return Duration.ofMillis(Math.min(ms, max.toMillis()));
    }
}
