package dev.emperor.daemon;

import dev.emperor.vassal.Vassal;
import dev.emperor.vassal.VassalEvent;
import java.util.concurrent.CompletableFuture;

/** Everything the event loop handles. Closed, so {@link Emperor#handle} covers every kind. */
public sealed interface EmperorEvent {

    /** Look at the watched directories again and reconcile vassals with the files. */
    record Rescan(Why why) implements EmperorEvent {
        public enum Why { START_UP, FILE_EVENT, PERIODIC, VASSAL_STOPPED, RETRY }
    }

    /** An event for one vassal (a timer or a process exit). */
    record ForVassal(Vassal vassal, VassalEvent event) implements EmperorEvent {
    }

    /**
     * A vassal reached {@code stopped}: forget it, sweep what it left behind, and look at the
     * files again (its file may be back, a held vassal may fit now). Posted from the vassal's
     * handler, so the table of vassals never changes inside one.
     */
    record VassalStopped(Vassal vassal) implements EmperorEvent {
    }

    /** Gracefully reload one vassal, or all when {@code name} is null. Replies with a message. */
    record Reload(String name, CompletableFuture<String> reply) implements EmperorEvent {
    }

    /**
     * Stop every live worker of one vassal and start it again (an operator's {@code emperor
     * restart NAME}): each is replaced as reload-on-rss replaces one. Replies with a message.
     */
    record Restart(String name, CompletableFuture<String> reply) implements EmperorEvent {
    }

    /**
     * An operator's {@code emperor stop NAME}: stop the vassal gracefully and keep it stopped,
     * across touches of its file and emperor restarts. Replies with a message.
     */
    record Stop(String name, CompletableFuture<String> reply) implements EmperorEvent {
    }

    /** An operator's {@code emperor start NAME}: undo a {@link Stop}; it starts at once. Replies with a message. */
    record Start(String name, CompletableFuture<String> reply) implements EmperorEvent {
    }

    /**
     * Read the emperor's own settings again and apply what changed (SIGHUP, {@code systemctl
     * reload}, {@code emperor reload --emperor}). Replies with a message.
     */
    record ReloadEmperor(CompletableFuture<String> reply) implements EmperorEvent {
    }

    /** A task of the emperor's own timers (sd_notify's status and watchdog), run on the loop. */
    record OnLoop(Runnable task) implements EmperorEvent {
    }

    /** A consistent picture of everything, for /stats and {@code emperor status}. */
    record TakeSnapshot(CompletableFuture<EmperorSnapshot> reply) implements EmperorEvent {
    }

    /** Time to read the workers' resident memory for reload-on-rss. */
    record RssCheck() implements EmperorEvent {
    }

    /** Look for processes of stopped vassals that escaped their process group. */
    record SweepEscapees() implements EmperorEvent {
    }

    /** Something arrived on the agent socket. */
    record FromAgent(java.util.List<dev.emperor.heartbeat.AgentServer.Inbound> batch) implements EmperorEvent {
    }

    /** Stop every vassal gracefully, then exit. A second one kills what is left. */
    record Shutdown(String reason) implements EmperorEvent {
    }
}
