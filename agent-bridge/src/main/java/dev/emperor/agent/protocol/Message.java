package dev.emperor.agent.protocol;

import java.util.Map;
import java.util.OptionalLong;

/**
 * One protocol message (v1): one JSON object on one line. See docs/protocol.md.
 *
 * <p>Worker to emperor: {@link Hello} (first), {@link Heartbeat}, {@link Ready}, {@link Reload},
 * {@link Event}, {@link Goodbye}. Emperor to worker: {@link Welcome}, {@link Error}.
 *
 * <p>The constructors check every field as the decoder does and throw
 * {@link IllegalArgumentException} for a value the protocol forbids, so a message that exists
 * can always be encoded. Text fields are never null (an absent optional text is {@code ""},
 * except {@link Hello#runtime()} and {@link Hello#agent()}, which are null when absent).
 */
public sealed interface Message {

    /** The protocol version every message carries in {@code "v"}. */
    int VERSION = 1;

    /** The {@code "type"} on the wire. */
    String type();

    /**
     * The first message on a connection.
     *
     * @param vassal  the vassal's name (EMPEROR_VASSAL), not empty
     * @param worker  the worker id (EMPEROR_WORKER), at least 1
     * @param token   the per-worker secret (EMPEROR_TOKEN), may be empty when none was given
     * @param pid     the sender's own process id: with JAVA_TOOL_OPTIONS several JVMs of one
     *                worker may say hello, and the emperor picks the one that is its worker
     * @param runtime free text such as {@code "java 21.0.2"}, or null
     * @param agent   the agent's version, free text, or null
     */
    record Hello(String vassal, int worker, String token, long pid, String runtime, String agent) implements Message {
        public Hello {
            require(vassal != null && !vassal.isEmpty(), "vassal must be a non-empty string");
            require(worker >= 1, "worker must be at least 1");
            require(token != null, "token must be a string");
            require(pid >= 1, "pid must be at least 1");
        }

        @Override
        public String type() {
            return "hello";
        }
    }

    /**
     * A sign of life with telemetry.
     *
     * @param seq       strictly increasing on a connection, from 0 or 1
     * @param uptimeMs  milliseconds since the sender started (a monotonic clock)
     * @param progress  a work counter that only grows (requests served, jobs done), when the
     *                  app reports one; unchanged over beats while the process is busy = stuck
     * @param gcPauseMs milliseconds spent in GC pauses since the previous heartbeat, if known
     * @param telemetry flat map of names to {@link Long} or finite {@link Double} values, in
     *                  the sender's order; JVM names as in docs/protocol.md, app metrics under
     *                  {@code app.}; at most {@value #MAX_TELEMETRY} entries, names of 1 to
     *                  {@value #MAX_KEY_LENGTH} characters. The map is unmodifiable.
     */
    record Heartbeat(long seq, long uptimeMs, OptionalLong progress, OptionalLong gcPauseMs,
                     Map<String, Number> telemetry) implements Message {

        public static final int MAX_TELEMETRY = 1024;
        public static final int MAX_KEY_LENGTH = 256;

        public Heartbeat {
            require(seq >= 0, "seq must not be negative");
            require(uptimeMs >= 0, "uptime_ms must not be negative");
            require(progress != null && (progress.isEmpty() || progress.getAsLong() >= 0),
                    "progress must not be negative");
            require(gcPauseMs != null && (gcPauseMs.isEmpty() || gcPauseMs.getAsLong() >= 0),
                    "gc_pause_ms must not be negative");
            telemetry = TelemetryMap.of(telemetry);
        }

        /** A heartbeat without progress, GC figure or telemetry. */
        public Heartbeat(long seq, long uptimeMs) {
            this(seq, uptimeMs, OptionalLong.empty(), OptionalLong.empty(), Map.of());
        }

        @Override
        public String type() {
            return "heartbeat";
        }
    }

    /** The app is ready to serve (an explicit signal; the first heartbeat may count too). */
    record Ready() implements Message {
        @Override
        public String type() {
            return "ready";
        }
    }

    /** The app asks to be reloaded (gracefully replaced), for the reason given (may be empty). */
    record Reload(String reason) implements Message {
        public Reload {
            reason = reason == null ? "" : reason;
        }

        @Override
        public String type() {
            return "reload";
        }
    }

    /** Something the app wants in the emperor's log. */
    record Event(Severity severity, String message) implements Message {
        public Event {
            require(severity != null, "severity must be info, warning or error");
            require(message != null, "message must be a string");
        }

        @Override
        public String type() {
            return "event";
        }
    }

    /** The sender is about to close the connection on purpose (shutting down, for example). */
    record Goodbye(String reason) implements Message {
        public Goodbye {
            reason = reason == null ? "" : reason;
        }

        @Override
        public String type() {
            return "goodbye";
        }
    }

    /**
     * The emperor's answer to a good {@link Hello}.
     *
     * @param heartbeatMs milliseconds between heartbeats; 0 = send none
     */
    record Welcome(long heartbeatMs) implements Message {
        public Welcome {
            require(heartbeatMs >= 0, "heartbeat_ms must not be negative");
        }

        @Override
        public String type() {
            return "welcome";
        }
    }

    /** The emperor's last line before it closes a connection (bad token, protocol error, ...). */
    record Error(String message) implements Message {
        public Error {
            require(message != null, "message must be a string");
        }

        @Override
        public String type() {
            return "error";
        }
    }

    private static void require(boolean ok, String what) {
        if (!ok) throw new IllegalArgumentException(what);
    }
}
