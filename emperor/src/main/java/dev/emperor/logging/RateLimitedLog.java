package dev.emperor.logging;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Logs the first message of a kind at once and counts the rest for a window, so that a flood
 * (a user hammering the agent socket) costs a few lines a minute instead of thousands and does
 * not push real messages out of journald's rate limit. When a window with suppressed messages
 * ends, the last of them is logged with {@code (suppressed N like this in the last minute)}.
 *
 * <p>The kind is a key the caller chooses (e.g. {@code "refused uid 1000"}). Keys are
 * bounded: past {@code maxKeys} live windows, new keys share one overflow window, so an
 * attacker who varies the key cannot grow this map. Windows end when the next message of
 * any kind arrives or at {@link #flush()}, which the owner calls now and then (a timer it
 * already has). Thread-safe.
 */
public final class RateLimitedLog {

    private static final String OVERFLOW = "\0overflow";

    private final System.Logger logger;
    private final long windowNanos;
    private final int maxKeys;
    private final LongSupplier nanoClock;
    private final Map<String, Window> windows = new LinkedHashMap<>();
    private long lastSweep;

    private static final class Window {
        final long start;
        long suppressed;
        Level level;
        Supplier<String> last;

        Window(long start) {
            this.start = start;
        }
    }

    public RateLimitedLog(System.Logger logger) {
        this(logger, Duration.ofMinutes(1), 256, System::nanoTime);
    }

    public RateLimitedLog(System.Logger logger, Duration window, int maxKeys, LongSupplier nanoClock) {
        this.logger = logger;
        this.windowNanos = window.toNanos();
        this.maxKeys = maxKeys;
        this.nanoClock = nanoClock;
        this.lastSweep = nanoClock.getAsLong();
    }

    /** Logs {@code message} unless one with {@code key} was logged within the window; true if logged. */
    public boolean log(Level level, String key, Supplier<String> message) {
        return log(level, key, message, null);
    }

    /** As {@link #log(Level, String, Supplier)}, with a stack trace when it is logged. */
    public synchronized boolean log(Level level, String key, Supplier<String> message, Throwable thrown) {
        long now = nanoClock.getAsLong();
        if (now - lastSweep >= Math.min(windowNanos, 1_000_000_000L)) sweep(now, false);
        Window w = windows.get(key);
        if (w == null && windows.size() >= maxKeys) {
            key = OVERFLOW;
            w = windows.get(key);
        }
        if (w != null && now - w.start < windowNanos) {
            w.suppressed++;
            w.level = level;
            w.last = message;
            return false;
        }
        if (w != null) summarize(w);
        windows.put(key, new Window(now));
        if (thrown == null) logger.log(level, message.get());
        else logger.log(level, message.get(), thrown);
        return true;
    }

    /** Logs the summary of every window that has ended. */
    public synchronized void flush() {
        sweep(nanoClock.getAsLong(), false);
    }

    /** Ends every window now, logging what each suppressed: for shutdown and tests. */
    public synchronized void flushAll() {
        sweep(nanoClock.getAsLong(), true);
    }

    private void sweep(long now, boolean all) {
        lastSweep = now;
        for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
            Window w = it.next();
            if (all || now - w.start >= windowNanos) {
                summarize(w);
                it.remove();
            }
        }
    }

    private void summarize(Window w) {
        if (w.suppressed == 0) return;
        logger.log(w.level, w.last.get() + " (suppressed " + w.suppressed + " like this in the last "
                + span() + ")");
    }

    private String span() {
        long s = windowNanos / 1_000_000_000L;
        return s == 60 ? "minute" : s + " s";
    }
}
