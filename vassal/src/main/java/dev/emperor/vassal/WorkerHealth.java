package dev.emperor.vassal;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * What one worker's agent has told the emperor, turned into a health word and, when the
 * worker does not report, a diagnosis an operator can act on. Reset at every spawn. It keeps
 * facts and judges them; what to do about them (become ready, kill a hung worker) is the
 * state machine's business.
 */
final class WorkerHealth {

    /** Beats in a row that must report deadlocked threads before it counts. */
    static final int DEADLOCK_BEATS = 2;
    /** Beats in a row without progress before a worker is idle or stuck. */
    static final int STALLED_BEATS = 3;

    long agentPid;
    long beats;
    long lastBeatMono;
    long lastGcPauseMs = -1;
    long lastProgress = -1;
    int stalledBeats;
    /** Burning CPU, or reporting requests in flight (a telemetry key ending in "in_flight"). */
    boolean busy;
    long lastCpuNs = -1;
    int deadlockBeats;
    boolean hung;
    String diagnosis;
    String lastNote;
    Map<String, Number> telemetry = Map.of();
    /** The agent pid last logged as connected: a reconnect of the same one is not logged again. */
    long loggedAgentPid;

    /** Forgets everything: a new process is in the slot. */
    void reset() {
        agentPid = 0;
        loggedAgentPid = 0;
        beats = 0;
        lastGcPauseMs = -1;
        lastProgress = -1;
        stalledBeats = 0;
        busy = false;
        lastCpuNs = -1;
        deadlockBeats = 0;
        hung = false;
        diagnosis = null;
        telemetry = Map.of();
    }

    /** Records one heartbeat received at {@code nowMono} from a worker that beats every {@code interval}. */
    void record(VassalEvent.Heartbeat e, long nowMono, Duration interval) {
        beats++;
        lastBeatMono = nowMono;
        telemetry = e.telemetry();
        if (e.agentPid() > 0) agentPid = e.agentPid();
        lastGcPauseMs = e.gcPauseMs();
        long cpuNs = cpuNanos(e.telemetry());
        if (cpuNs >= 0) {
            long intervalMs = Math.max(1, interval.toMillis());
            busy = lastCpuNs >= 0 && (cpuNs - lastCpuNs) / 1_000_000 > intervalMs / 2;
            lastCpuNs = cpuNs;
        }
        for (var t : e.telemetry().entrySet()) {
            if (t.getKey().endsWith("in_flight") && t.getValue().longValue() > 0) busy = true;
        }
        if (e.progress() >= 0) {
            stalledBeats = e.progress() == lastProgress ? stalledBeats + 1 : 0;
            lastProgress = e.progress();
        }
    }

    /**
     * The process CPU time an agent reported, in ns, or -1: OpenTelemetry's {@code jvm.cpu.time}
     * or {@code process.cpu.time} (seconds), or an older agent's {@code cpu.process_ns}.
     */
    static long cpuNanos(Map<String, Number> telemetry) {
        Number seconds = telemetry.get("jvm.cpu.time");
        if (seconds == null) seconds = telemetry.get("process.cpu.time");
        if (seconds != null) return (long) (seconds.doubleValue() * 1e9);
        Number ns = telemetry.get("cpu.process_ns");
        return ns == null ? -1 : ns.longValue();
    }

    /**
     * Counts the latest beat's deadlocked threads; returns their number exactly when they have
     * now been reported {@link #DEADLOCK_BEATS} beats in a row (once per episode), else 0.
     */
    long newlyDeadlocked() {
        Number deadlocked = telemetry.get("jvm.thread.deadlocked");
        if (deadlocked == null) deadlocked = telemetry.get("threads.deadlocked"); // an older agent
        if (deadlocked == null || deadlocked.longValue() <= 0) {
            deadlockBeats = 0;
            return 0;
        }
        deadlockBeats++;
        return deadlockBeats == DEADLOCK_BEATS ? deadlocked.longValue() : 0;
    }

    /** Silence after which a worker that has reported is hung: never less than two intervals. */
    static Duration requiredSilence(Duration required, Duration interval) {
        Duration twoBeats = interval.multipliedBy(2);
        return required.compareTo(twoBeats) >= 0 ? required : twoBeats;
    }

    /** The health word /stats shows for a live worker with these settings. */
    String label(VassalSettings s) {
        if (!s.heartbeat().isPositive() && beats == 0) return "no-agent";
        if (hung) return "hung";
        if (beats == 0) return diagnosis != null ? "silent" : "waiting";
        if (deadlockBeats >= DEADLOCK_BEATS) return "deadlocked";
        long interval = Math.max(1, s.heartbeat().toMillis());
        if (lastGcPauseMs > interval / 2) return "gc";
        if (stalledBeats >= STALLED_BEATS) return busy ? "stuck" : "idle";
        return "ok";
    }

    /** The seed's trap, diagnosed: why a worker that should report does not. */
    String silentDiagnosis(VassalSettings s) {
        String base = "expected heartbeats every " + seconds(s.heartbeat().toMillis()) + " but none arrived within"
                + " heartbeat-grace (" + seconds(s.heartbeatGrace().toMillis()) + "): ";
        if (agentPid > 0) {
            return base + "an agent connected (pid " + agentPid + ") but sent no heartbeat; is its thread alive?";
        }
        if (!s.reload().lazyApps() && s.reload().preload().isPresent()) {
            return base + "the agent is not running in the worker. With lazy-apps = false the app is loaded once"
                    + " by the preload step, and an agent thread started there does not live on in the workers;"
                    + " set lazy-apps = true, or start the agent in each worker (agent = true for a JVM, or"
                    + " agent-bridge run-program)";
        }
        if (!s.agent()) {
            return base + "no agent is running in the worker. For a JVM set agent = true (or start it under"
                    + " 'agent-bridge run-program', or call EmperorAgent.start() first thing in main); for other"
                    + " runtimes use a client of docs/protocol.md; or set heartbeat = 0";
        }
        return base + "agent = true, but no JVM of this worker loaded it: a launcher may start the JVM with"
                + " JAVA_TOOL_OPTIONS cleared, or the program is not a JVM at all; for a [uwsgi] app check"
                + " enable-threads and single-interpreter";
    }

    /** What the last heartbeats say about a silence: a long GC, a stalled progress counter. */
    String lastBeatDetail() {
        StringBuilder sb = new StringBuilder();
        if (lastGcPauseMs > 1000) sb.append("; the last heartbeat reported ").append(lastGcPauseMs)
                .append(" ms of GC pauses: a long GC, not a deadlock, is the likely cause");
        if (stalledBeats >= STALLED_BEATS) sb.append("; its progress counter had not moved for ").append(stalledBeats)
                .append(" heartbeats");
        return sb.toString();
    }

    static String seconds(long ms) {
        return ms < 10_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000.0) : (ms / 1000) + " s";
    }
}
