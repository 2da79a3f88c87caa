package dev.emperor.vassal;

import dev.emperor.vassal.VassalEvent.AgentConnected;
import dev.emperor.vassal.VassalEvent.AgentDisconnected;
import dev.emperor.vassal.VassalEvent.AgentNote;
import dev.emperor.vassal.VassalEvent.Heartbeat;
import dev.emperor.vassal.VassalEvent.HeartbeatDeadline;
import dev.emperor.vassal.VassalEvent.HungKill;
import dev.emperor.vassal.process.Signal;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The part of a vassal's state machine that watches its workers through their agents:
 * connections, heartbeats and the per-worker deadline that catches a hung worker (SIGQUIT for
 * a thread dump, then SIGKILL and a replacement), deadlock reports and the agent's notes.
 * Like {@link Vassal}, each handler switches over every vassal state; what it concludes about
 * a worker's health comes from {@link WorkerHealth}. The slots are the {@link WorkerPool}'s,
 * what is done to one (its deadline moved, the slot stopped to be replaced) goes through
 * {@link SlotControl}, and only a worker becoming ready goes back to the {@link Vassal}, whose
 * state it is.
 */
final class WorkerWatchdog {

    private static final System.Logger LOG = System.getLogger("emperor.vassal");
    /** Time a JVM gets to print its thread dump after SIGQUIT before it is killed. */
    static final Duration DUMP_WAIT = Duration.ofMillis(500);

    private final Vassal vassal;
    private final VassalHost host;
    /** Read at each use: a reload of the emperor's settings reaches running vassals too. */
    private final Supplier<VassalDefaults> defaults;
    private final WorkerPool pool;
    private final SlotControl control;

    WorkerWatchdog(Vassal vassal, VassalHost host, Supplier<VassalDefaults> defaults, WorkerPool pool, SlotControl control) {
        this.vassal = vassal;
        this.host = host;
        this.defaults = defaults;
        this.pool = pool;
        this.control = control;
    }

    void onAgentConnected(AgentConnected e) {
        WorkerSlot w = pool.slot(e.workerId(), e.workerPid());
        if (w == null) return;
        switch (vassal.state()) {
            case STARTING, RUNNING, BACKOFF, RELOADING, STOPPING, FAILED -> {
                // The same agent again (a reconnect, or a worker saying hello in a loop): not a line each time.
                boolean news = w.health.loggedAgentPid != e.agentPid();
                w.health.loggedAgentPid = e.agentPid();
                w.health.agentPid = e.agentPid();
                w.health.diagnosis = null;
                log(news ? Level.INFO : Level.DEBUG, w.label() + ": agent connected from pid " + e.agentPid()
                        + (e.agentPid() != w.pid ? " (a process the worker started)" : "")
                        + (e.runtime() == null || e.runtime().isEmpty() ? "" : ", " + e.runtime()));
            }
            case INVALID, STOPPED -> {
                // no workers here
            }
        }
    }

    void onHeartbeat(Heartbeat e) {
        WorkerSlot w = pool.slot(e.workerId(), e.workerPid());
        if (w == null) return;
        long now = host.nowMillis();
        switch (vassal.state()) {
            case STARTING, RUNNING, BACKOFF, RELOADING -> {
                if (w.state == WorkerState.STOPPING) {
                    recordBeat(w, e, now);
                    return;
                }
                boolean first = w.health.beats == 0;
                recordBeat(w, e, now);
                if (w.health.hung) {
                    log(Level.INFO, w.label() + " sends heartbeats again");
                    w.health.hung = false;
                }
                // One timer per worker, moved only when it would fire too late; a beat that
                // arrives in time costs no timer work (the deadline re-arms itself when it fires).
                long silence = requiredSilence(w).toMillis();
                if (w.deadlineDueMono == 0 || w.deadlineDueMono > now + silence) {
                    control.armHeartbeatDeadline(w, Duration.ofMillis(silence));
                }
                checkDeadlock(w);
                if (first && w.state == WorkerState.STARTING && w.settings.heartbeat().isPositive()) {
                    vassal.becomeReady(w, "first heartbeat");
                }
            }
            case STOPPING, FAILED -> recordBeat(w, e, now);
            case INVALID, STOPPED -> {
                // no workers here
            }
        }
    }

    void onAgentNote(AgentNote e) {
        WorkerSlot w = pool.slot(e.workerId(), e.workerPid());
        if (w == null) return;
        switch (vassal.state()) {
            case STARTING, RUNNING, BACKOFF, RELOADING, STOPPING, FAILED -> {
                Level level = switch (e.severity()) {
                    case "error" -> Level.ERROR;
                    case "warning" -> Level.WARNING;
                    default -> Level.INFO;
                };
                log(level, w.label() + " says: " + e.message());
                w.health.lastNote = e.severity() + ": " + e.message();
            }
            case INVALID, STOPPED -> {
                // no workers here
            }
        }
    }

    void onAgentDisconnected(AgentDisconnected e) {
        WorkerSlot w = pool.slot(e.workerId(), e.workerPid());
        if (w == null) return;
        switch (vassal.state()) {
            case STARTING, RUNNING, BACKOFF, RELOADING, STOPPING, FAILED, INVALID, STOPPED -> {
                if (e.agentPid() == w.health.agentPid) w.health.agentPid = 0;
                log(Level.DEBUG, w.label() + ": agent of pid " + e.agentPid() + " disconnected (" + e.why() + ")");
            }
        }
    }

    void onHeartbeatDeadline(HeartbeatDeadline e) {
        WorkerSlot w = pool.slot(e.workerId(), e.workerPid());
        if (w == null || e.generation() != w.heartbeatGeneration || w.state == WorkerState.STOPPING) return;
        switch (vassal.state()) {
            case STARTING, RUNNING, BACKOFF, RELOADING -> {
                if (w.health.beats == 0) {
                    w.health.diagnosis = w.health.silentDiagnosis(w.settings);
                    log(Level.WARNING, w.label() + " (pid " + w.pid + "): " + w.health.diagnosis);
                    if (w.state == WorkerState.STARTING) vassal.becomeReady(w, "no heartbeat within heartbeat-grace");
                    return;
                }
                long silentMs = host.nowMillis() - w.health.lastBeatMono;
                long required = requiredSilence(w).toMillis();
                if (silentMs < required) { // beats came in since it was set: wait for the rest
                    control.armHeartbeatDeadline(w, Duration.ofMillis(required - silentMs));
                    return;
                }
                w.health.hung = true;
                beginKill(w, "hung: no heartbeat for " + seconds(silentMs) + " (required-heartbeat is "
                        + seconds(defaults.get().requiredHeartbeat().toMillis()) + ")" + w.health.lastBeatDetail());
            }
            case STOPPING, FAILED, INVALID, STOPPED -> {
                // being stopped anyway
            }
        }
    }

    void onHungKill(HungKill e) {
        WorkerSlot w = pool.slot(e.workerId(), e.workerPid());
        if (w == null || w.state == WorkerState.STOPPING) return;
        switch (vassal.state()) {
            case STARTING, RUNNING, BACKOFF, RELOADING -> {
                String evidence = host.recentOutput(vassal.name(), "[" + w.label() + "] ", w.dumpRequestedWall);
                w.lastRestart = new WorkerStatus.RestartRecord(e.reason(), host.wallMillis(),
                        evidence.isEmpty() ? "no output after SIGQUIT (a stopped or non-JVM process prints no thread dump)"
                                : evidence);
                pool.countRestart(w);
                log(Level.WARNING, w.label() + " (pid " + w.pid + ") " + e.reason() + "; killing it"
                        + (evidence.isEmpty() ? "" : " (thread dump kept in /stats and in the log)"));
                control.stopWorker(w, true);
                host.signalGroup(w.pid, Signal.KILL); // a hung process will not honour a polite stop
            }
            case STOPPING, FAILED, INVALID, STOPPED -> {
                // being stopped anyway
            }
        }
    }

    /** Asks the worker's JVM for a thread dump (SIGQUIT), then kills it once the dump is in. */
    void beginKill(WorkerSlot w, String reason) {
        control.disarmHeartbeatDeadline(w);
        long target = w.health.agentPid > 0 ? w.health.agentPid : w.pid;
        w.dumpRequestedWall = host.wallMillis();
        if (host.isStopped(target)) {
            // A stopped process prints nothing: do not wait for a dump that cannot come.
            host.schedule(vassal, Duration.ZERO, new HungKill(w.id, w.pid, reason + "; the process was stopped"
                    + " (SIGSTOP or a debugger)"));
            return;
        }
        log(Level.WARNING, w.label() + " (pid " + w.pid + ") " + reason + "; asking pid " + target
                + " for a thread dump (SIGQUIT)");
        host.signal(target, Signal.QUIT);
        host.schedule(vassal, DUMP_WAIT, new HungKill(w.id, w.pid, reason));
    }

    void recordBeat(WorkerSlot w, Heartbeat e, long now) {
        w.health.record(e, now, w.settings.heartbeat());
        if (w.pid != 0 && !e.telemetry().isEmpty()) host.telemetry(vassal, w.id, e.telemetry());
    }

    void checkDeadlock(WorkerSlot w) {
        long deadlocked = w.health.newlyDeadlocked();
        if (deadlocked == 0) return;
        String what = "deadlocked: " + deadlocked + " thread(s) reported in " + WorkerHealth.DEADLOCK_BEATS
                + " heartbeats in a row";
        if (w.settings.restartOnDeadlock()) {
            beginKill(w, what);
        } else {
            log(Level.ERROR, w.label() + " (pid " + w.pid + ") " + what
                    + "; set restart-on-deadlock = true to restart it automatically");
        }
    }

    Duration requiredSilence(WorkerSlot w) {
        return WorkerHealth.requiredSilence(defaults.get().requiredHeartbeat(), w.settings.heartbeat());
    }

    private void log(Level level, String message) {
        LOG.log(level, "vassal " + vassal.name() + ": " + message);
    }

    private static String seconds(long ms) {
        return WorkerHealth.seconds(ms);
    }
}
