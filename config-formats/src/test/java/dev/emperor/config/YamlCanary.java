package dev.emperor.config;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A class a YAML tag could name. If any parser ever constructed it (or even initialized it),
 * {@link #TOUCHED} would count it. The counter lives in a nested holder so that reading it
 * does not itself initialize this class.
 */
public final class YamlCanary {

    public static final class Counter {
        public static final AtomicInteger TOUCHED = new AtomicInteger();

        private Counter() {
        }
    }

    static {
        Counter.TOUCHED.incrementAndGet();
    }

    public YamlCanary() {
        Counter.TOUCHED.incrementAndGet();
    }

    public YamlCanary(String ignored) {
        Counter.TOUCHED.incrementAndGet();
    }
}
