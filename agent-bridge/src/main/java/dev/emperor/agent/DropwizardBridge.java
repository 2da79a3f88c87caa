package dev.emperor.agent;

import dev.emperor.agent.protocol.Message;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Forwards one Dropwizard {@code MetricRegistry} (4.x, package com.codahale.metrics) as app
 * telemetry, through reflection so that this jar carries no Dropwizard classes:
 * <ul>
 * <li>counter {@code NAME} -> {@code app.NAME}</li>
 * <li>gauge {@code NAME} -> {@code app.NAME} (numeric values only)</li>
 * <li>meter {@code NAME} -> {@code app.NAME.count}, {@code app.NAME.m1_rate} (per second)</li>
 * <li>timer {@code NAME} -> {@code app.NAME.count}, {@code .mean_ms}, {@code .p99_ms}, {@code .max_ms}</li>
 * </ul>
 * Methods are looked up on Dropwizard's public types (not the metric's own class, which may
 * be a lambda or a private class and would refuse reflective calls).
 */
final class DropwizardBridge {

    private static final String PKG = "com.codahale.metrics.";
    private static final double NS_PER_MS = 1e6;

    private final Object registry;
    private final Method getCounters, getGauges, getMeters, getTimers;
    private final Method getCount, getValue, getOneMinuteRate, getSnapshot;
    private final Method mean, p99, max;

    private DropwizardBridge(Object registry, ClassLoader loader) throws ReflectiveOperationException {
        this.registry = registry;
        Class<?> registryType = Class.forName(PKG + "MetricRegistry", false, loader);
        getCounters = registryType.getMethod("getCounters");
        getGauges = registryType.getMethod("getGauges");
        getMeters = registryType.getMethod("getMeters");
        getTimers = registryType.getMethod("getTimers");
        getCount = Class.forName(PKG + "Counting", false, loader).getMethod("getCount");
        getValue = Class.forName(PKG + "Gauge", false, loader).getMethod("getValue");
        getOneMinuteRate = Class.forName(PKG + "Metered", false, loader).getMethod("getOneMinuteRate");
        getSnapshot = Class.forName(PKG + "Sampling", false, loader).getMethod("getSnapshot");
        Class<?> snapshot = Class.forName(PKG + "Snapshot", false, loader);
        mean = snapshot.getMethod("getMean");
        p99 = snapshot.getMethod("get99thPercentile");
        max = snapshot.getMethod("getMax");
    }

    /** A bridge for {@code registry}, which must be a com.codahale.metrics.MetricRegistry (or subclass). */
    static DropwizardBridge of(Object registry) throws ReflectiveOperationException {
        if (registry == null) throw new IllegalArgumentException("no registry");
        for (Class<?> c = registry.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(PKG + "MetricRegistry")) return new DropwizardBridge(registry, c.getClassLoader());
        }
        throw new IllegalArgumentException(registry.getClass().getName() + " is not a " + PKG + "MetricRegistry");
    }

    /**
     * Exports until the sink is full; false when this registry cannot be read any more (the
     * caller drops the bridge after one log line).
     */
    boolean export(AppState.Budget out) {
        try {
            for (Map.Entry<?, ?> e : map(getCounters).entrySet()) {
                if (!put(out, key(e, ""), getCount.invoke(e.getValue()))) return true;
            }
            for (Map.Entry<?, ?> e : map(getGauges).entrySet()) {
                Object value;
                try {
                    value = getValue.invoke(e.getValue());
                } catch (ReflectiveOperationException | RuntimeException failingGauge) {
                    continue; // the app's gauge threw: skip it this time
                }
                if (!put(out, key(e, ""), value)) return true;
            }
            for (Map.Entry<?, ?> e : map(getMeters).entrySet()) {
                if (!put(out, key(e, ".count"), getCount.invoke(e.getValue()))
                        || !put(out, key(e, ".m1_rate"), getOneMinuteRate.invoke(e.getValue()))) return true;
            }
            for (Map.Entry<?, ?> e : map(getTimers).entrySet()) {
                Object s = getSnapshot.invoke(e.getValue());
                if (!put(out, key(e, ".count"), getCount.invoke(e.getValue()))
                        || !out.put(key(e, ".mean_ms"), ((Number) mean.invoke(s)).doubleValue() / NS_PER_MS)
                        || !out.put(key(e, ".p99_ms"), ((Number) p99.invoke(s)).doubleValue() / NS_PER_MS)
                        || !out.put(key(e, ".max_ms"), ((Number) max.invoke(s)).doubleValue() / NS_PER_MS)) return true;
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Reporter.log("stopped forwarding Dropwizard metrics (" + e + ")");
            return false;
        }
    }

    private Map<?, ?> map(Method getter) throws ReflectiveOperationException {
        return (Map<?, ?>) getter.invoke(registry);
    }

    // Names come from the registry on every beat: their encoded keys are kept (one per metric
    // and suffix; pruned when the registry's metrics change a lot).
    private final Map<String, TelemetrySink.Key> keys = new HashMap<>();

    private TelemetrySink.Key key(Map.Entry<?, ?> e, String suffix) {
        String name = String.valueOf(e.getKey()) + suffix;
        TelemetrySink.Key k = keys.get(name);
        if (k == null) {
            if (keys.size() > 4 * AppState.MAX_APP_ENTRIES) keys.clear();
            String full = "app." + AppState.sanitize(name);
            if (full.length() > Message.Heartbeat.MAX_KEY_LENGTH) full = full.substring(0, Message.Heartbeat.MAX_KEY_LENGTH);
            k = new TelemetrySink.Key(full);
            keys.put(name, k);
        }
        return k;
    }

    /** Numbers only: integral types as longs, the rest as finite doubles; anything else is skipped (true). */
    private static boolean put(TelemetrySink out, TelemetrySink.Key key, Object value) {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte
                || value instanceof AtomicLong || value instanceof AtomicInteger || value instanceof LongAdder
                || value instanceof BigInteger) {
            if (value instanceof BigInteger && ((BigInteger) value).bitLength() > 63) {
                return out.put(key, ((BigInteger) value).doubleValue());
            }
            return out.put(key, ((Number) value).longValue());
        }
        if (value instanceof Number) {
            double d = value instanceof BigDecimal ? ((BigDecimal) value).doubleValue() : ((Number) value).doubleValue();
            return out.put(key, d); // a NaN or infinity is skipped by the sink
        }
        return true;
    }

    // ---- -Demperor.agent.dropwizard=true: SharedMetricRegistries, found on the app's class path ----

    private static volatile Class<?> shared;
    private static volatile long lastLookupNanos;
    private static volatile boolean lookedUp;
    private static final Set<Object> sharedNames = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Adds a bridge for every registry in SharedMetricRegistries not bridged yet, once that
     * class can be found (looked up at most once a minute until it is).
     */
    static void bridgeShared(AppState state) {
        Class<?> c = shared;
        if (c == null) {
            long now = System.nanoTime();
            if (lookedUp && now - lastLookupNanos < 60_000_000_000L) return;
            lookedUp = true;
            lastLookupNanos = now;
            c = findShared();
            if (c == null) return;
            shared = c;
        }
        try {
            Set<?> names = (Set<?>) c.getMethod("names").invoke(null);
            Method getOrCreate = c.getMethod("getOrCreate", String.class);
            for (Object name : names) {
                if (sharedNames.add(name)) state.bridges.addIfAbsent(of(getOrCreate.invoke(null, name)));
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Reporter.log("cannot read Dropwizard's SharedMetricRegistries (" + e + ")");
            state.sharedDropwizard = false;
        }
    }

    private static Class<?> findShared() {
        for (ClassLoader l : new ClassLoader[] {ClassLoader.getSystemClassLoader(), DropwizardBridge.class.getClassLoader()}) {
            try {
                return Class.forName(PKG + "SharedMetricRegistries", true, l);
            } catch (ClassNotFoundException | LinkageError e) {
                // not on this loader's path
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DropwizardBridge && ((DropwizardBridge) o).registry == registry;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(registry);
    }
}
