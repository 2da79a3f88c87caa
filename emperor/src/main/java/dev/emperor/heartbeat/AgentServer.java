package dev.emperor.heartbeat;

import dev.emperor.agent.protocol.Frames;
import dev.emperor.agent.protocol.Message;
import dev.emperor.logging.InternalErrors;
import dev.emperor.logging.RateLimitedLog;
import dev.emperor.vassal.process.Posix;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The Unix socket agents report to ({@code RUN_DIR/agent.sock}), on one thread with one
 * selector for every connection. The socket is hostile ground (any local user may connect):
 * every connection must say {@code hello} within {@link #HELLO_TIMEOUT_MS} and in at most
 * {@link #HELLO_MAX_BYTES}, connections are capped per peer uid with a reserve for the uids
 * the emperor runs workers as ({@link PeerSlots}, {@link #trustUids}), lines are bounded by
 * the decoder, a connection sending faster than {@link #MAX_FRAMES_PER_SECOND} is cut off,
 * and {@code event} messages beyond {@link #EVENTS_PER_SECOND} are dropped and counted. A bad
 * peer costs only its own connection, and refusals are logged a few times a minute, not
 * once each.
 *
 * <p>Who a peer is decides the event loop, not this thread: a hello goes to the loop with the
 * peer's kernel credentials (SO_PEERCRED pid and uid), and the loop answers with
 * {@link #accept} or {@link #reject}. Until then the connection is not read. After that,
 * messages go to the loop tagged with the worker they belong to.
 */
public final class AgentServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.agents");
    static final long HELLO_TIMEOUT_MS = 5_000;
    /** Bytes a peer may send before it is accepted: a hello is a few hundred. */
    static final int HELLO_MAX_BYTES = 4096;
    static final int MAX_FRAMES_PER_SECOND = 200;
    /** {@code event} messages become log lines: a worker gets this many a second, bursts of {@link #EVENT_BURST}. */
    static final int EVENTS_PER_SECOND = 5;
    static final int EVENT_BURST = 20;
    private static final int READ_BUFFER = 16 << 10;
    /**
     * Accepted connections one worker slot may hold: its JVM, and a few more when it starts
     * other JVMs that inherit the agent. A worker that says hello again and again with its
     * own token is refused past this.
     */
    static final int ACCEPTED_PER_WORKER = 8;
    /** Accepted connections of one uid other than the emperor's (a tenant's workers together). */
    static final int ACCEPTED_PER_UID = 1_024;
    /**
     * Bytes of incomplete lines all connections may hold together (each may hold up to a
     * 64 KiB line). Past it, a connection that holds more than a heartbeat's worth is closed.
     */
    static final long PARTIAL_LINE_BUDGET = 16L << 20;
    private static final int SMALL_PARTIAL = 4_096;

    /** What the loop hears from the socket. */
    public sealed interface Inbound {
        long connection();
    }

    /** A peer said hello; the loop must answer with accept or reject. */
    public record HelloFrom(long connection, Message.Hello hello, long peerPid, long peerUid) implements Inbound {
    }

    /** A message from an accepted peer. */
    public record MessageFrom(long connection, WorkerRef worker, long peerPid, Message message) implements Inbound {
    }

    /** An accepted peer's connection ended (goodbye, error, or the process went away). */
    public record Closed(long connection, WorkerRef worker, long peerPid, String why) implements Inbound {
    }

    /** Which worker an accepted connection speaks for. */
    public record WorkerRef(String vassal, int worker, long workerPid) {
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Consumer<List<Inbound>> inbound;
    /** What this round of the selector received, handed to the loop in one piece. */
    private final List<Inbound> batch = new ArrayList<>();
    private final Thread thread;
    private final Map<Long, AgentConnection> connections = new HashMap<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final PeerCredentials credentials = new PeerCredentials();
    final PeerSlots slots = new PeerSlots(Posix.effectiveUid());
    final RateLimitedLog refusals = new RateLimitedLog(LOG);
    private final InternalErrors errors;
    final AtomicLong droppedEvents = new AtomicLong();
    private final AtomicLong refusedConnections = new AtomicLong();
    private long nextId = 1;
    /** Selector thread only: accepted connections per worker slot ("vassal/worker") and per uid. */
    private final Map<String, Integer> acceptedByWorker = new HashMap<>();
    private final Map<Long, Integer> acceptedByUid = new HashMap<>();
    /** Selector thread only: bytes of incomplete lines held by all connections. */
    private long partialBytes;
    private long lastExpireMs;
    private volatile boolean running = true;

    public AgentServer(Path path, Consumer<List<Inbound>> inbound) throws IOException {
        this(path, inbound, new InternalErrors());
    }

    public AgentServer(Path path, Consumer<List<Inbound>> inbound, InternalErrors errors) throws IOException {
        this.path = path;
        this.inbound = inbound;
        this.errors = errors;
        Files.deleteIfExists(path); // the run-dir lock says no live emperor owns it
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path), 512);
        // Workers may run as other users (uid = ...): anyone may connect, only a worker's own
        // token from within its own process tree is accepted.
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        server.configureBlocking(false);
        this.selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = Thread.ofPlatform().name("emperor-agents").daemon(true).unstarted(this::run);
    }

    public Path path() {
        return path;
    }

    public void start() {
        thread.start();
    }

    /**
     * The uids the emperor runs workers as (its own is always included): their agents get the
     * reserved connection slots. Call it whenever that set changes; any thread.
     */
    public void trustUids(Set<Integer> uids) {
        slots.trust(uids);
    }

    /** {@code event} messages dropped because a worker sent more than {@link #EVENTS_PER_SECOND}. */
    public long droppedEvents() {
        return droppedEvents.get();
    }

    /** Connections closed at once because their peer's uid held its cap of slots. */
    public long refusedConnections() {
        return refusedConnections.get();
    }

    /** The loop accepted a hello: answer welcome and start reading. Any thread. */
    public void accept(long connection, WorkerRef worker, long heartbeatMs) {
        command(() -> {
            AgentConnection c = connections.get(connection);
            if (c == null || c.closing) return;
            String slot = worker.vassal() + "/" + worker.worker();
            int forWorker = acceptedByWorker.getOrDefault(slot, 0);
            int forUid = acceptedByUid.getOrDefault(c.peerUid, 0);
            if (forWorker >= ACCEPTED_PER_WORKER) {
                c.fail("worker " + worker.worker() + " of vassal " + worker.vassal() + " already has "
                        + forWorker + " agent connections");
                return;
            }
            if (c.peerUid != slots.ownUid() && forUid >= ACCEPTED_PER_UID) {
                c.fail("uid " + c.peerUid + " already has " + forUid + " agent connections");
                return;
            }
            acceptedByWorker.put(slot, forWorker + 1);
            acceptedByUid.put(c.peerUid, forUid + 1);
            c.acceptedAs = worker;
            c.worker = worker;
            c.accepted = true;
            slots.accepted(c.peerUid, c.trusted);
            c.send(Frames.encode(new Message.Welcome(heartbeatMs)));
            c.interest(SelectionKey.OP_READ);
            c.replayEarly();
        });
    }

    /** The loop refused a hello: answer error and close. Any thread. */
    public void reject(long connection, String why) {
        command(() -> {
            AgentConnection c = connections.get(connection);
            if (c != null) c.fail(why);
        });
    }

    /** An accepted connection of {@code worker} from {@code uid} closed. Selector thread. */
    void acceptedClosed(WorkerRef worker, long uid) {
        acceptedByWorker.computeIfPresent(worker.vassal() + "/" + worker.worker(), (k, n) -> n <= 1 ? null : n - 1);
        acceptedByUid.computeIfPresent(uid, (k, n) -> n <= 1 ? null : n - 1);
    }

    /**
     * A connection's incomplete line grew or shrank by {@code delta} bytes; false when the
     * budget for them is spent and this connection holds more than a heartbeat's worth, so
     * that it must go. Selector thread.
     */
    boolean partialLine(int delta, int nowHeld) {
        partialBytes += delta;
        return partialBytes <= PARTIAL_LINE_BUDGET || nowHeld <= SMALL_PARTIAL;
    }

    private void command(Runnable r) {
        commands.add(r);
        selector.wakeup();
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocateDirect(READ_BUFFER);
        // The decoder works in place on a heap array (no per-byte get, no copy into its
        // partial-line buffer); one bulk copy out of the direct buffer gets it there.
        ByteBuffer heap = ByteBuffer.allocate(READ_BUFFER);
        while (running) {
            try {
                selector.select(connections.isEmpty() ? 0 : 1_000);
            } catch (IOException | ClosedSelectorException e) {
                if (running) LOG.log(Level.ERROR, "agent socket selector failed: " + e.getMessage()
                        + "; agents can no longer report: restart the emperor");
                return;
            }
            try {
                round(buf, heap);
            } catch (Throwable t) { // an Error included: this thread must not die of it
                errors.report("the agent socket", t);
                batch.clear();
            }
        }
    }

    /**
     * Handles what is ready and hands it to the loop as one batch. No pause: a hello is answered
     * as soon as the loop has looked at it, and heartbeats still arrive batched when many are
     * ready at once (with 1,000 workers a round gathers what came in while the last one ran).
     */
    private void round(ByteBuffer buf, ByteBuffer heap) {
        Runnable r;
        while ((r = commands.poll()) != null) guarded(r, null);
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            if (!key.isValid()) continue;
            if (key.isAcceptable()) {
                guarded(this::acceptConnections, null);
            } else {
                AgentConnection c = (AgentConnection) key.attachment();
                guarded(() -> {
                    if (key.isValid() && key.isWritable()) c.flush();
                    if (key.isValid() && key.isReadable()) c.read(buf, heap);
                }, c);
            }
        }
        guarded(this::expire, null);
        if (!batch.isEmpty()) {
            List<Inbound> out = List.copyOf(batch);
            batch.clear();
            inbound.accept(out);
        }
    }

    /** Runs {@code r}; what it throws is counted and logged, and costs only connection {@code c}. */
    private void guarded(Runnable r, AgentConnection c) {
        try {
            r.run();
        } catch (Throwable t) {
            errors.report("the agent socket", t);
            if (c != null) c.close("internal error: " + t);
        }
    }

    private void acceptConnections() {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                refusals.log(Level.WARNING, "accept", () -> "accepting an agent connection failed: " + e.getMessage()
                        + (e.getMessage() != null && e.getMessage().contains("Too many open files")
                        ? " (raise the emperor's open-file limit)" : ""));
                return;
            }
            if (ch == null) return;
            try {
                ch.configureBlocking(false);
                PeerCredentials.Peer peer = credentials.of(ch);
                long pid = peer == null ? -1 : peer.pid();
                long uid = peer == null ? -1 : peer.uid();
                String refusal = slots.admit(uid);
                if (refusal != null) {
                    // No error frame: an agent takes a plain close for trouble and retries soon.
                    closeQuietly(ch);
                    refusedConnections.incrementAndGet();
                    refusals.log(Level.WARNING, "cap " + uid, () -> "agent socket: closed a connection from pid "
                            + pid + " (uid " + uid + ") at once: " + refusal);
                    continue;
                }
                AgentConnection c = new AgentConnection(this, nextId++, ch, pid, uid, slots.trusted(uid));
                connections.put(c.id, c);
                c.key = ch.register(selector, SelectionKey.OP_READ, c);
            } catch (IOException e) {
                closeQuietly(ch);
            }
        }
    }

    /** Closes connections that never said hello, or do not read their error; once a second at most. */
    private void expire() {
        long now = System.nanoTime() / 1_000_000;
        if (now - lastExpireMs < 1_000) return;
        lastExpireMs = now;
        refusals.flush();
        for (AgentConnection c : connections.values().toArray(new AgentConnection[0])) {
            if (c.closing && now - c.closingMs > 2_000) {
                c.close(null); // it does not read its error: drop it
            } else if (!c.accepted && !c.helloSent && now - c.openedMs > HELLO_TIMEOUT_MS) {
                c.fail("no hello within " + HELLO_TIMEOUT_MS / 1000 + " s");
            } else if (!c.accepted && c.helloSent && now - c.openedMs > 4 * HELLO_TIMEOUT_MS) {
                c.fail("the emperor did not recognise this worker in time");
            }
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (AgentConnection c : connections.values()) closeQuietly(c.channel);
        refusals.flushAll();
        server.close();
        selector.close();
        Files.deleteIfExists(path);
    }

    /** Hands {@code in} to the loop with this round's batch. Selector thread. */
    void emit(Inbound in) {
        batch.add(in);
    }

    /** The connection is closed: it leaves the table. Selector thread. */
    void forget(long id) {
        connections.remove(id);
    }

    static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // gone either way
        }
    }
}
