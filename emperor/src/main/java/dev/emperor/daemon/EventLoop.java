package dev.emperor.daemon;

import dev.emperor.vassal.Cancellable;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The single thread that owns the emperor's state. File events, process exits, timers and
 * commands all arrive here as {@link EmperorEvent}s and are handled one at a time, in order,
 * so no state is shared and nothing is locked.
 *
 * <p>It is a long-lived platform thread on purpose: workers are spawned from it with a
 * parent-death signal, which the kernel ties to the spawning thread. If this thread died,
 * every worker would die with it; it never exits before the emperor does.
 */
public final class EventLoop {

    private static final System.Logger LOG = System.getLogger("emperor");

    private final ScheduledThreadPoolExecutor executor;
    private final Consumer<EmperorEvent> handler;
    private volatile Thread thread;
    private final java.util.concurrent.atomic.AtomicLong internalErrors = new java.util.concurrent.atomic.AtomicLong();

    public EventLoop(Consumer<EmperorEvent> handler) {
        this.handler = handler;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = Thread.ofPlatform().name("emperor-loop").daemon(false).unstarted(r);
            thread = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true); // cancelled timers must not pile up
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.prestartCoreThread();
    }

    /** Queues {@code event}; safe from any thread. Dropped (and logged) after shutdown. */
    public void post(EmperorEvent event) {
        try {
            executor.execute(() -> dispatch(event));
        } catch (RejectedExecutionException e) {
            LOG.log(Level.DEBUG, "event after shutdown dropped: " + event);
        }
    }

    /** Queues {@code event} after {@code delay}. */
    public Cancellable schedule(Duration delay, EmperorEvent event) {
        try {
            ScheduledFuture<?> f = executor.schedule(() -> dispatch(event), Math.max(0, delay.toNanos()),
                    TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            return Cancellable.NONE;
        }
    }

    /** The grid {@link #scheduleCoarse} rounds up to. */
    static final long COARSE_NS = 1_000_000_000L;

    /**
     * Queues {@code event} after {@code delay} rounded up to the next whole second of the
     * monotonic clock, so that timers of many workers (heartbeat deadlines) fall due together
     * and cost one wake-up of this thread instead of one each.
     */
    public Cancellable scheduleCoarse(Duration delay, EmperorEvent event) {
        long now = System.nanoTime();
        long due = now + Math.max(0, delay.toNanos());
        long rounded = Math.floorDiv(due + COARSE_NS - 1, COARSE_NS) * COARSE_NS;
        return schedule(Duration.ofNanos(rounded - now), event);
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    public void shutdown() {
        executor.shutdown();
    }

    /** Handlers that threw since start (each a bug, logged with its stack trace). */
    public long internalErrors() {
        return internalErrors.get();
    }

    /**
     * Runs one handler. Whatever it throws is a bug, not a user mistake: it is logged with the
     * event and the stack trace, counted, and every other vassal keeps going. That includes
     * every {@link VirtualMachineError}: the executor runs each event inside a FutureTask, which
     * would keep a rethrown one to itself, so rethrowing would only make it silent. An
     * OutOfMemoryError normally never gets here: {@code -XX:+ExitOnOutOfMemoryError} (the
     * launcher's) ends the JVM where it is raised, and the service manager restarts it.
     */
    private void dispatch(EmperorEvent event) {
        try {
            handler.accept(event);
        } catch (Throwable e) {
            internalError(event, e);
        }
    }

    private void internalError(EmperorEvent event, Throwable e) {
        internalErrors.incrementAndGet();
        LOG.log(Level.ERROR, "internal error while handling " + event + " (a bug: please report it with this"
                + " stack trace); the emperor carries on", e);
    }
}
