package dev.emperor.heartbeat;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline (no fixed sleeps standing in for "long enough"). */
final class Conditions {

    private Conditions() {
    }

    static void await(String what, Duration atMost, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError("not within " + atMost + ": " + what);
            Thread.sleep(5);
        }
    }
}
