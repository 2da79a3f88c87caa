package dev.emperor.service;

import dev.emperor.service.NotifySender.NotifyException;
import dev.emperor.vassal.VassalState;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Tells the service manager (systemd, {@code Type=notify}) what the emperor is doing:
 * {@code READY=1} once the first scan is applied, {@code RELOADING=1} and {@code READY=1}
 * around a reload of every vassal, {@code STOPPING=1} at shutdown, a {@code STATUS=} line when
 * the vassals' states change (at most one a second, the last one always sent), and
 * {@code WATCHDOG=1} at half the manager's watchdog period.
 *
 * <p>Every call, and every timer, runs on the emperor's event loop: the watchdog ping is sent
 * by the loop itself, so a loop that is stuck stops pinging and systemd restarts the emperor.
 * Without {@code NOTIFY_SOCKET} it does nothing.
 */
public final class ServiceManager {

    private static final System.Logger LOG = System.getLogger("emperor");
    static final Duration STATUS_EVERY = Duration.ofSeconds(1);
    /** Lifecycle messages kept for a retry while the manager's queue is full. */
    private static final int UNSENT_KEPT = 8;

    /** Runs a task on the event loop after a delay. */
    @FunctionalInterface
    public interface LoopTimer {
        void after(Duration delay, Runnable onLoop);
    }

    private final NotifySender sender;
    private final String where;
    private final LoopTimer timer;
    private final Supplier<Collection<VassalState>> states;
    private final LongSupplier nanoClock;
    private final LongSupplier monotonicMicros;
    private final Optional<Duration> watchdog;
    private final Optional<LoopWedge> wedge;
    private final Duration tick;

    // ---- loop-owned ----
    private final Deque<String> unsent = new ArrayDeque<>();
    private boolean readySent;
    private String lastStatus;
    /** Why the last reload of the emperor's settings was refused; shown in STATUS= until one works. */
    private String problem;
    private long lastStatusAt;
    private long lastPingAt;
    private boolean failing;

    ServiceManager(NotifySender sender, String where, LoopTimer timer, Supplier<Collection<VassalState>> states,
                   LongSupplier nanoClock, LongSupplier monotonicMicros, Optional<Duration> watchdog,
                   Optional<LoopWedge> wedge) {
        this.sender = sender;
        this.where = where;
        this.timer = timer;
        this.states = states;
        this.nanoClock = nanoClock;
        this.monotonicMicros = monotonicMicros;
        this.watchdog = watchdog;
        this.wedge = wedge;
        Duration t = STATUS_EVERY;
        if (watchdog.isPresent() && watchdog.get().dividedBy(2).compareTo(t) < 0) t = watchdog.get().dividedBy(2);
        this.tick = t;
        long now = nanoClock.getAsLong();
        this.lastPingAt = now;
        this.lastStatusAt = now - STATUS_EVERY.toNanos();
    }

    /**
     * From the emperor's own environment: {@code NOTIFY_SOCKET}, and {@code WATCHDOG_USEC}
     * when {@code WATCHDOG_PID} is unset or names this process (else the watchdog is some
     * other process's). A value the emperor cannot use is logged and ignored: systemd would
     * then time the start out, which says more than a refusal to start.
     */
    public static ServiceManager fromEnvironment(Map<String, String> env, long pid, LoopTimer timer,
                                                 Supplier<Collection<VassalState>> states) {
        Optional<LoopWedge> wedge = LoopWedge.fromEnvironment(env);
        Optional<NotifyAddress> address;
        try {
            address = NotifyAddress.parse(env.get("NOTIFY_SOCKET"));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, e.getMessage() + "; not notifying the service manager");
            address = Optional.empty();
        }
        NotifySender sender = message -> {
        };
        if (address.isPresent()) {
            try {
                sender = new NotifySocket(address.get());
            } catch (IllegalStateException e) {
                LOG.log(Level.WARNING, e.getMessage() + "; not notifying the service manager");
                address = Optional.empty();
            }
        }
        return new ServiceManager(sender, address.map(Object::toString).orElse(null), timer, states,
                System::nanoTime, address.isPresent() ? NotifySocket::monotonicMicros : () -> 0L,
                address.isPresent() ? watchdog(env, pid) : Optional.empty(), wedge);
    }

    static Optional<Duration> watchdog(Map<String, String> env, long pid) {
        String usec = env.get("WATCHDOG_USEC");
        if (usec == null || usec.isBlank()) return Optional.empty();
        String forPid = env.get("WATCHDOG_PID");
        try {
            if (forPid != null && !forPid.isBlank() && Long.parseLong(forPid.strip()) != pid) return Optional.empty();
            long micros = Long.parseLong(usec.strip());
            if (micros <= 0) throw new NumberFormatException();
            return Optional.of(Duration.ofNanos(Math.multiplyExact(micros, 1000L)));
        } catch (NumberFormatException | ArithmeticException e) {
            LOG.log(Level.WARNING, "WATCHDOG_USEC='" + usec + "' / WATCHDOG_PID='" + forPid + "' unusable;"
                    + " no watchdog pings (check the unit's WatchdogSec=)");
            return Optional.empty();
        }
    }

    /** Starts the loop timers: the status and watchdog tick, and the test wedge if asked for. */
    public void start() {
        if (where != null) {
            LOG.log(Level.INFO, "notifying the service manager at " + where
                    + watchdog.map(w -> "; watchdog pings every " + w.dividedBy(2).toMillis() + " ms").orElse(""));
            timer.after(tick, guarded(this::tick));
        }
        wedge.ifPresent(w -> timer.after(w.after(), () -> {
            LOG.log(Level.WARNING, "test hook " + LoopWedge.VARIABLE + ": wedging the event loop for "
                    + w.length().toMillis() + " ms");
            w.wedge();
            LOG.log(Level.WARNING, "test hook " + LoopWedge.VARIABLE + ": event loop free again");
        }));
    }

    /** The first scan is applied (or a reload requested of every vassal is under way). */
    public void ready() {
        problem = null;
        if (where == null) return;
        String status = StatusLine.of(states.get());
        lastStatus = status;
        lastStatusAt = nanoClock.getAsLong();
        lifecycle("READY=1\nSTATUS=" + status);
        readySent = true;
    }

    /**
     * A reload of the emperor's settings was refused (the file no longer reads): the emperor
     * is ready again with what it ran before, and its status line says so until a reload works.
     */
    public void reloadFailed(String why) {
        problem = "settings reload failed: " + StatusLine.oneLine(why) + " (see the log)";
        if (where == null) return;
        String status = problem + "; " + StatusLine.of(states.get());
        lastStatus = status;
        lastStatusAt = nanoClock.getAsLong();
        lifecycle("READY=1\nSTATUS=" + status);
        readySent = true;
    }

    /** A reload of every vassal begins. */
    public void reloading() {
        if (where == null) return;
        lifecycle("RELOADING=1\nMONOTONIC_USEC=" + monotonicMicros.getAsLong());
    }

    /** Shutdown begins: vassals are being stopped. */
    public void stopping() {
        if (where == null) return;
        lifecycle("STOPPING=1");
    }

    /** Runs on the loop every {@link #tick}: pings, the status line, lifecycle messages to retry. */
    void tick() {
        try {
            long now = nanoClock.getAsLong();
            retryUnsent();
            // pings keep their cadence even when ticks come late: due at half the period, less half a tick
            if (watchdog.isPresent()
                    && now - lastPingAt >= watchdog.get().dividedBy(2).toNanos() - tick.toNanos() / 2) {
                if (send("WATCHDOG=1")) lastPingAt = now;
            }
            if (readySent && now - lastStatusAt >= STATUS_EVERY.toNanos() - tick.toNanos() / 4) {
                String status = (problem == null ? "" : problem + "; ") + StatusLine.of(states.get());
                if (!status.equals(lastStatus) && send("STATUS=" + status)) {
                    lastStatus = status;
                    lastStatusAt = now;
                }
            }
        } finally {
            timer.after(tick, guarded(this::tick));
        }
    }

    /**
     * The loop counts and logs what its handlers throw; a timer's task runs where that cannot
     * see it, so a bug here is logged the same way, and the next tick still comes.
     */
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "internal error in the service manager's timer (a bug: please report it"
                        + " with this stack trace); notifications carry on", e);
            }
        };
    }

    /** READY, RELOADING and STOPPING must arrive, in order: kept for the next tick when not taken. */
    private void lifecycle(String message) {
        if (!unsent.isEmpty() || !send(message)) {
            if (unsent.size() == UNSENT_KEPT) unsent.removeFirst();
            unsent.addLast(message);
        }
    }

    private void retryUnsent() {
        while (!unsent.isEmpty() && send(unsent.peekFirst())) unsent.removeFirst();
    }

    private boolean send(String message) {
        try {
            sender.send(message);
            if (failing) {
                failing = false;
                LOG.log(Level.INFO, "the service manager takes notifications again at " + where);
            }
            return true;
        } catch (NotifyException e) {
            if (!failing) {
                failing = true;
                LOG.log(Level.WARNING, "cannot notify the service manager (" + e.getMessage() + "); retrying every "
                        + tick.toMillis() + " ms. If systemd runs this emperor, check the unit's NotifyAccess=");
            }
            return false;
        }
    }

    Duration tickInterval() {
        return tick;
    }
}
