package dev.emperor.daemon;

import dev.emperor.agent.protocol.Message;
import dev.emperor.heartbeat.AgentServer;
import dev.emperor.logging.RateLimitedLog;
import dev.emperor.vassal.Vassal;
import dev.emperor.vassal.VassalEvent;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * Who is on the other end of an agent connection, and where its messages go. Each worker slot
 * is given a fresh token at spawn; a hello is accepted only with the token of that slot, from
 * a process in the worker's own session (setsid made the worker its leader), running as the
 * worker's user. Everything else is refused, in {@link #refuse}. Accepted connections'
 * messages become {@link VassalEvent}s for their worker's vassal. Used on the loop only.
 */
final class AgentGate {

    private static final System.Logger LOG = System.getLogger("emperor");
    /** The heartbeat interval asked of agents in vassals that did not set one. */
    private static final long DEFAULT_HEARTBEAT_MS = 10_000;

    private final Function<String, Optional<Vassal>> vassals;
    private final SecureRandom random = new SecureRandom();
    /** The token each live worker slot was given ("vassal/worker" -> token). */
    private final Map<String, String> tokens = new HashMap<>();
    private AgentServer server;
    /** A flood of bad hellos costs a few lines a minute per uid, not one line each. */
    private final RateLimitedLog refusals = new RateLimitedLog(LOG);
    /** The uids workers run as: their agents get the agent socket's reserved slots. */
    private final Set<Integer> workerUids = new HashSet<>();

    /** @param vassals the live vassal of a name, if any */
    AgentGate(Function<String, Optional<Vassal>> vassals) {
        this.vassals = vassals;
    }

    void connect(AgentServer server) {
        this.server = server;
    }

    /**
     * {@code uid} runs workers: its agents may use the agent socket's reserve, which a flood
     * from users who run none cannot take. Called at a spawn whose uid is known and at every
     * accepted hello.
     */
    void trustWorkerUid(long uid) {
        if (uid >= 0 && uid <= Integer.MAX_VALUE && workerUids.add((int) uid) && server != null) {
            server.trustUids(Set.copyOf(workerUids));
        }
    }

    /** Ends rate-limit windows that are over, so their "suppressed N" lines are written. */
    void tick() {
        refusals.flush();
    }

    /** A new secret for a worker slot about to be spawned; the previous one stops working. */
    String issueToken(String vassal, int worker) {
        byte[] secret = new byte[16];
        random.nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        tokens.put(vassal + "/" + worker, token);
        return token;
    }

    /** Forgets the tokens of a vassal that stopped. */
    void forget(String vassal) {
        tokens.keySet().removeIf(k -> k.startsWith(vassal + "/"));
    }

    void handle(AgentServer.Inbound in) {
        switch (in) {
            case AgentServer.HelloFrom h -> hello(h);
            case AgentServer.MessageFrom m -> message(m);
            case AgentServer.Closed c -> vassals.apply(c.worker().vassal()).ifPresent(v -> v.handle(
                    new VassalEvent.AgentDisconnected(c.worker().worker(), c.worker().workerPid(), c.peerPid(), c.why())));
        }
    }

    private void hello(AgentServer.HelloFrom h) {
        Message.Hello hello = h.hello();
        Optional<Vassal> vassal = vassals.apply(hello.vassal());
        String expected = tokens.get(hello.vassal() + "/" + hello.worker());
        OptionalLong workerPid = vassal.map(v -> v.workerPid(hello.worker())).orElse(OptionalLong.empty());
        String refusal = null;
        if (vassal.isEmpty() || expected == null || workerPid.isEmpty()) {
            refusal = "no live worker " + hello.worker() + " of a vassal named '" + hello.vassal() + "'";
        } else if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                hello.token().getBytes(StandardCharsets.UTF_8))) {
            refusal = "wrong token for vassal " + hello.vassal() + " worker " + hello.worker();
        } else if (h.peerPid() > 0 && h.peerPid() != hello.pid()) {
            refusal = "hello says pid " + hello.pid() + " but the socket belongs to pid " + h.peerPid();
        } else if (h.peerPid() > 0 && ProcStat.session(h.peerPid()) != workerPid.getAsLong()) {
            refusal = "pid " + h.peerPid() + " is not in the process tree of worker " + hello.worker()
                    + " (pid " + workerPid.getAsLong() + ")";
        } else if (h.peerUid() >= 0 && h.peerUid() != ProcStat.uid(workerPid.getAsLong())) {
            refusal = "uid " + h.peerUid() + " is not the user worker " + hello.worker() + " runs as";
        }
        if (refusal != null) {
            refuse(h, refusal);
            return;
        }
        Vassal v = vassal.get();
        trustWorkerUid(h.peerUid());
        long heartbeatMs = v.settings().map(s -> s.heartbeat().toMillis()).orElse(0L);
        server.accept(h.connection(), new AgentServer.WorkerRef(hello.vassal(), hello.worker(), workerPid.getAsLong()),
                heartbeatMs > 0 ? heartbeatMs : DEFAULT_HEARTBEAT_MS);
        v.handle(new VassalEvent.AgentConnected(hello.worker(), workerPid.getAsLong(), hello.pid(), hello.runtime()));
    }

    /** Every refused hello ends here: answered, and logged at most a few times a minute per uid. */
    private void refuse(AgentServer.HelloFrom h, String refusal) {
        refusals.log(Level.WARNING, "hello uid " + h.peerUid(), () -> "agent socket: refused a hello from pid "
                + h.peerPid() + " (uid " + h.peerUid() + "): " + refusal);
        server.reject(h.connection(), refusal);
    }

    private void message(AgentServer.MessageFrom m) {
        Optional<Vassal> vassal = vassals.apply(m.worker().vassal());
        if (vassal.isEmpty()) return;
        int id = m.worker().worker();
        long pid = m.worker().workerPid();
        VassalEvent event = switch (m.message()) {
            case Message.Heartbeat b -> new VassalEvent.Heartbeat(id, pid, m.peerPid(), b.seq(), b.uptimeMs(),
                    b.progress().orElse(-1), b.gcPauseMs().orElse(-1), b.telemetry());
            case Message.Ready r -> new VassalEvent.AgentReady(id, pid);
            case Message.Reload r -> new VassalEvent.AgentReload(id, pid, r.reason());
            case Message.Event ev -> new VassalEvent.AgentNote(id, pid, ev.severity().wireName(), ev.message());
            case Message.Goodbye g -> new VassalEvent.AgentDisconnected(id, pid, m.peerPid(), "goodbye: " + g.reason());
            case Message.Hello ignored -> null;
            case Message.Welcome ignored -> null;
            case Message.Error ignored -> null;
        };
        if (event != null) vassal.get().handle(event);
    }
}
