package dev.emperor.service;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A test hook: {@code EMPEROR_TEST_WEDGE_LOOP=AFTER_MS:FOR_MS} blocks the event loop for
 * FOR_MS, AFTER_MS after start, so a test can watch the watchdog pings stop. Only whoever
 * starts the emperor sets its environment (root or the service manager), so no other user can
 * set it off; it is never passed on to workers.
 */
record LoopWedge(Duration after, Duration length) {

    static final String VARIABLE = "EMPEROR_TEST_WEDGE_LOOP";

    static Optional<LoopWedge> fromEnvironment(Map<String, String> env) {
        String v = env.get(VARIABLE);
        if (v == null || v.isBlank()) return Optional.empty();
        String[] parts = v.strip().split(":");
        try {
            if (parts.length != 2) throw new NumberFormatException();
            long after = Long.parseLong(parts[0]);
            long length = Long.parseLong(parts[1]);
            if (after < 0 || length < 0) throw new NumberFormatException();
            return Optional.of(new LoopWedge(Duration.ofMillis(after), Duration.ofMillis(length)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(VARIABLE + ": expected AFTER_MS:FOR_MS, found '" + v + "'");
        }
    }

    /** Runs on the loop: holds it as a hung handler would. */
    void wedge() {
        long until = System.nanoTime() + length.toNanos();
        for (long left = length.toNanos(); left > 0; left = until - System.nanoTime()) {
            try {
                Thread.sleep(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
