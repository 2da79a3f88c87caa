package dev.emperor.vassal;

import dev.emperor.vassal.process.LaunchException;
import dev.emperor.vassal.process.LaunchSpec;
import dev.emperor.vassal.process.WorkerLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What a {@link Vassal} asks of whoever owns it (the emperor's event loop): timers, processes
 * and signals, its log, and somewhere to publish what changed. Fixed values the emperor hands
 * every vassal are a {@link VassalDefaults}, not methods here. Every event the host delivers
 * back must arrive on the same single thread that calls {@link Vassal#handle}, in order.
 */
public interface VassalHost {

    /** Delivers {@code event} to {@code vassal} after {@code delay}. */
    Cancellable schedule(Vassal vassal, Duration delay, VassalEvent event);

    /**
     * Starts a worker process: its pid and the program file that runs (argv[0] stays the
     * word as written). Called on the owner's long-lived thread.
     */
    WorkerLauncher.Launched launch(LaunchSpec spec) throws LaunchException;

    /** Delivers a {@link VassalEvent.WorkerExited} to {@code vassal} when process {@code pid} ends. */
    void watchExit(Vassal vassal, int workerId, long pid);

    /** Sends {@code signal} to a worker's whole process group. */
    void signalGroup(long pgid, dev.emperor.vassal.process.Signal signal);

    /**
     * Called after every state change and every change of the vassal's restarts; not for
     * a heartbeat or a heartbeat deadline that changed neither (see {@link #telemetry}).
     * It runs inside the vassal's handler: the host must not change its table of vassals here
     * (for a vassal now {@link VassalState#STOPPED} it posts itself an event to forget it).
     */
    void changed(Vassal vassal);

    /**
     * Something worth an alert happened ({@code on-event}); called inside the vassal's handler,
     * once per transition. The host must only hand it on, never run anything here.
     */
    default void alert(Vassal vassal, VassalAlert alert) {
    }

    /** A live worker's newest telemetry (each heartbeat); for metrics. */
    default void telemetry(Vassal vassal, int workerId, Map<String, Number> telemetry) {
    }

    /**
     * Like {@link #schedule}, but the host may deliver it up to a second late so that such
     * timers of many workers fire together (one thread wake-up for all of them).
     */
    default Cancellable scheduleCoarse(Vassal vassal, Duration delay, VassalEvent event) {
        return schedule(vassal, delay, event);
    }

    /** Variables every worker gets before its own: the emperor's environment and EMPEROR_*. */
    Map<String, String> baseEnvironment(String vassalName, int workerId);

    /** The log a vassal writes to: one per vassal and file, rotated past {@code maxBytes} (0: never). */
    dev.emperor.vassal.process.LogTarget logTarget(String vassalName, Path file, long maxBytes);

    /** Whether {@code pid} is stopped (SIGSTOP, a debugger), from its state in /proc. */
    boolean isStopped(long pid);

    /** Sends {@code signal} to one process (a worker's JVM, for a thread dump). */
    void signal(long pid, dev.emperor.vassal.process.Signal signal);

    /**
     * The lines a worker printed since {@code sinceWallMs} (for a thread dump to keep with its
     * restart record), at most about 64 KiB, or "" if none.
     */
    String recentOutput(String vassalName, String prefix, long sinceWallMs);

    /** Monotonic milliseconds. */
    long nowMillis();

    /** Wall-clock milliseconds, for /stats. */
    long wallMillis();
}
