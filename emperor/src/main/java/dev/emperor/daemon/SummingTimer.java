package dev.emperor.daemon;

import com.codahale.metrics.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Dropwizard timer that also keeps the total of every duration: a Prometheus summary needs
 * its {@code _sum}, which a timer's sampled reservoir cannot give.
 */
public final class SummingTimer extends Timer {

    private final LongAdder totalNanos = new LongAdder();

    @Override
    public void update(long duration, TimeUnit unit) {
        if (duration >= 0) totalNanos.add(unit.toNanos(duration));
        super.update(duration, unit);
    }

    @Override
    public void update(java.time.Duration duration) {
        update(duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Every recorded duration added up, in seconds. */
    public double totalSeconds() {
        return totalNanos.sum() / 1e9;
    }
}
