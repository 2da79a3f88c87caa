package dev.emperor.agent;

import dev.emperor.agent.protocol.Message;
import dev.emperor.agent.protocol.Severity;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * What the app tells the agent, written by app threads (lock-free, never blocking) and read by
 * the agent thread at each heartbeat. Works whether or not an agent thread runs: outside an
 * emperor the calls just update memory.
 */
final class AppState {

    /** Messages (ready, reload, events) kept while no emperor listens; beyond this the oldest go. */
    static final int MAX_QUEUED = 100;
    /** Most app telemetry entries in one heartbeat (the line has to stay under 64 KiB). */
    static final int MAX_APP_ENTRIES = 512;

    final LongAdder progress = new LongAdder();
    volatile boolean progressReported;
    /** Sticky: once ready, every new connection says so again (the emperor may have restarted). */
    volatile boolean ready;
    private final ConcurrentLinkedQueue<Message> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final ConcurrentHashMap<String, Object> metrics = new ConcurrentHashMap<>();
    final CopyOnWriteArrayList<DropwizardBridge> bridges = new CopyOnWriteArrayList<>();
    volatile boolean sharedDropwizard;

    /** Wakes the agent thread so it sends what was just queued; null until it runs. */
    private volatile Runnable wakeup;

    void setWakeup(Runnable r) {
        wakeup = r;
    }

    void signal() {
        Runnable w = wakeup;
        if (w != null) w.run();
    }

    void ready() {
        ready = true;
        send(new Message.Ready());
    }

    void event(Severity severity, String message) {
        send(new Message.Event(severity, message));
    }

    void requestReload(String reason) {
        send(new Message.Reload(reason));
    }

    /** Queues a message for the agent thread, in call order. */
    void send(Message m) {
        queue.add(m);
        if (queued.incrementAndGet() > MAX_QUEUED && queue.poll() != null) queued.decrementAndGet();
        signal();
    }

    Message next() {
        Message m = queue.poll();
        if (m != null) queued.decrementAndGet();
        return m;
    }

    // ---- metrics ---------------------------------------------------------------------------

    EmperorAgent.Counter counter(String name) {
        String n = metricName(name);
        Object m = metrics.get(n); // the fast path allocates nothing
        if (m == null) m = metrics.computeIfAbsent(n, EmperorAgent.Counter::new);
        if (m instanceof EmperorAgent.Counter) return (EmperorAgent.Counter) m;
        throw new IllegalArgumentException("metric \"" + n + "\" is already a " + kind(m));
    }

    EmperorAgent.Timer timer(String name) {
        String n = metricName(name);
        Object m = metrics.get(n);
        if (m == null) m = metrics.computeIfAbsent(n, EmperorAgent.Timer::new);
        if (m instanceof EmperorAgent.Timer) return (EmperorAgent.Timer) m;
        throw new IllegalArgumentException("metric \"" + n + "\" is already a " + kind(m));
    }

    void gauge(String name, LongSupplier supplier) {
        if (supplier == null) throw new IllegalArgumentException("gauge \"" + name + "\" needs a supplier");
        String n = metricName(name);
        Gauge g = new Gauge(n, supplier);
        // A gauge may be replaced (a pool re-created, say); a counter or timer may not.
        Object old = metrics.compute(n, (k, v) -> v == null || v instanceof Gauge ? g : v);
        if (old != g) throw new IllegalArgumentException("metric \"" + n + "\" is already a " + kind(old));
    }

    private static String kind(Object m) {
        return m instanceof EmperorAgent.Counter ? "counter" : m instanceof EmperorAgent.Timer ? "timer" : "gauge";
    }

    /** Metric names become telemetry keys {@code app.NAME}: letters, digits, {@code _ . : -}; others become '_'. */
    static String metricName(String name) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a metric needs a name");
        int max = Message.Heartbeat.MAX_KEY_LENGTH - "app.".length() - ".total_ms".length();
        String n = name.length() > max ? name.substring(0, max) : name;
        for (int i = 0; i < n.length(); i++) {
            if (!allowed(n.charAt(i))) return sanitize(n);
        }
        return n;
    }

    private static boolean allowed(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':' || c == '-';
    }

    static String sanitize(String n) {
        StringBuilder sb = new StringBuilder(n.length());
        for (int i = 0; i < n.length(); i++) sb.append(allowed(n.charAt(i)) ? n.charAt(i) : '_');
        return sb.toString();
    }

    /**
     * Adds the app's metrics (ours, then bridged Dropwizard registries) to {@code out}, at most
     * {@code budget} entries. Runs on the agent thread; a failing gauge or bridge is skipped.
     */
    void export(TelemetrySink out, int budget) {
        Budget left = new Budget(out, budget);
        for (Object m : metrics.values()) {
            boolean more;
            if (m instanceof EmperorAgent.Counter) {
                EmperorAgent.Counter c = (EmperorAgent.Counter) m;
                more = left.put(c.key, Math.max(0, c.count())); // a counter is never negative on the wire
            } else if (m instanceof EmperorAgent.Timer) {
                more = ((EmperorAgent.Timer) m).export(left);
            } else {
                more = ((Gauge) m).export(left);
            }
            if (!more) return;
        }
        if (sharedDropwizard) DropwizardBridge.bridgeShared(this);
        for (DropwizardBridge b : bridges) {
            if (!b.export(left)) bridges.remove(b);
            if (left.full()) return;
        }
    }

    /** Counts entries against the app's share of a heartbeat. */
    static final class Budget implements TelemetrySink {
        private final TelemetrySink out;
        private int left;
        private boolean full;

        Budget(TelemetrySink out, int entries) {
            this.out = out;
            this.left = entries;
        }

        @Override
        public boolean put(Key key, long value) {
            if (full || left <= 0 || !out.put(key, value)) {
                full = true;
                return false;
            }
            left--;
            return true;
        }

        @Override
        public boolean put(Key key, double value) {
            if (full || left <= 0 || !out.put(key, value)) {
                full = true;
                return false;
            }
            left--;
            return true;
        }

        boolean full() {
            return full;
        }
    }

    static final class Gauge {
        final TelemetrySink.Key key;
        final LongSupplier supplier;

        Gauge(String name, LongSupplier supplier) {
            this.key = new TelemetrySink.Key("app." + name);
            this.supplier = supplier;
        }

        boolean export(TelemetrySink out) {
            long value;
            try {
                value = supplier.getAsLong();
            } catch (RuntimeException e) {
                return true; // the app's supplier failed: its value is missing from this beat
            }
            return out.put(key, value);
        }
    }
}
