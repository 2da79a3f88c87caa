package dev.emperor.control;

import dev.emperor.logging.InternalErrors;
import dev.emperor.logging.RateLimitedLog;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The Unix socket {@code emperor status} and {@code emperor reload} talk to
 * ({@code RUN_DIR/control.sock}). It answers what /stats does not show every local user
 * (thread dumps, what apps said), so it is for the emperor's own user (and root) only: the
 * socket is mode 0600 from the moment it has its name (bound in a private directory, then
 * renamed into place), and a peer of another uid is refused whatever the mode.
 *
 * <p>One request line of at most {@link #MAX_REQUEST} bytes in, one answer out, then the
 * connection closes. A client has {@link #READ_DEADLINE_MS} to send its line and
 * {@link #WRITE_DEADLINE_MS} to read the answer; at most {@link #MAX_CLIENTS} are served at
 * once and others are closed at once. Each connection gets a virtual thread; JDK socket
 * channels release their carrier while blocked.
 */
public final class ControlServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.control");
    static final int MAX_REQUEST = 4096;
    static final int MAX_CLIENTS = 16;
    static final long READ_DEADLINE_MS = 5_000;
    static final long WRITE_DEADLINE_MS = 30_000;
    private static final long DRAIN_DEADLINE_MS = 1_000;

    private final Path path;
    private final ServerSocketChannel server;
    private final Function<String, String> handler;
    private final Thread acceptor;
    private final Semaphore clients = new Semaphore(MAX_CLIENTS);
    private final ScheduledExecutorService deadlines;
    private final UserPrincipal owner;
    private final InternalErrors errors;
    private final RateLimitedLog refusals = new RateLimitedLog(LOG);
    private final long readDeadlineMs;

    public ControlServer(Path path, Function<String, String> handler) throws IOException {
        this(path, handler, new InternalErrors());
    }

    public ControlServer(Path path, Function<String, String> handler, InternalErrors errors) throws IOException {
        this(path, handler, errors, READ_DEADLINE_MS);
    }

    ControlServer(Path path, Function<String, String> handler, InternalErrors errors, long readDeadlineMs)
            throws IOException {
        this.readDeadlineMs = readDeadlineMs;
        this.path = path;
        this.handler = handler;
        this.errors = errors;
        this.server = bindPrivately(path);
        this.owner = Files.getOwner(path);
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("emperor-control-deadlines").daemon(true).factory());
        timer.setRemoveOnCancelPolicy(true);
        this.deadlines = timer;
        this.acceptor = Thread.ofPlatform().name("emperor-control").daemon(true).unstarted(this::acceptLoop);
    }

    /**
     * Binds in a fresh directory only the emperor can enter, sets 0600, then renames the
     * socket to {@code path}: bind(2) creates it with the process umask, and in the run dir
     * (which others may traverse, for agent.sock) that would leave a moment in which any
     * user could connect.
     */
    private static ServerSocketChannel bindPrivately(Path path) throws IOException {
        Path dir = Files.createTempDirectory(path.getParent(), ".control-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path temp = dir.resolve("s");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(temp));
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            // rename(2) replaces a socket left by an emperor that died hard (the run-dir lock says it is gone)
            Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(temp);
            throw e;
        } finally {
            Files.deleteIfExists(dir);
        }
        return server;
    }

    public Path path() {
        return path;
    }

    public void start() {
        acceptor.start();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                if (!clients.tryAcquire()) {
                    refusals.log(Level.WARNING, "busy", () -> "control socket: " + MAX_CLIENTS
                            + " clients are being served; closed another at once");
                    closeQuietly(client);
                    continue;
                }
                Thread.ofVirtual().name("emperor-control-client").start(() -> {
                    try {
                        serve(client);
                    } catch (Throwable t) {
                        errors.report("the control socket", t);
                    } finally {
                        closeQuietly(client);
                        clients.release();
                    }
                });
            } catch (IOException e) {
                if (server.isOpen()) refusals.log(Level.WARNING, "accept", () -> "control socket accept failed: "
                        + e.getMessage());
            } catch (Throwable t) { // an Error included: the acceptor must not die of it
                errors.report("the control socket", t);
            }
        }
    }

    private void serve(SocketChannel client) throws IOException {
        String request = readRequest(client);
        if (request == null) return; // gone, or too slow: closed by its deadline
        String refusal = refusal(client);
        if (refusal != null) {
            refusals.log(Level.WARNING, "peer " + refusal, () -> "control socket: refused " + refusal);
            reply(client, "error: the control socket is for the emperor's user only\n");
        } else if (request.isEmpty()) {
            reply(client, "error: expected one request line of at most " + MAX_REQUEST + " bytes\n");
        } else {
            reply(client, handler.apply(request));
        }
    }

    /** Why this peer may not talk to us (another user), or null. */
    private String refusal(SocketChannel client) {
        try {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            UserPrincipal user = peer.user();
            if (user.equals(owner) || user.getName().equals("root")) return null;
            return "a connection from user " + user.getName() + " (the emperor runs as " + owner.getName() + ")";
        } catch (IOException | UnsupportedOperationException e) {
            return null; // no credentials to check: the socket's mode still keeps others out
        }
    }

    /** The request line, "" if there was none within {@link #MAX_REQUEST} bytes, null if the peer went away. */
    private String readRequest(SocketChannel client) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(MAX_REQUEST);
        Future<?> deadline = closeAfter(client, readDeadlineMs);
        try {
            while (buf.hasRemaining()) {
                if (client.read(buf) < 0) break;
                if (indexOfNewline(buf) >= 0) break;
            }
        } catch (IOException e) {
            if (!client.isOpen()) {
                refusals.log(Level.INFO, "slow", () -> "control socket: a client sent no request line within "
                        + readDeadlineMs + " ms; closed it");
            }
            return null;
        } finally {
            deadline.cancel(false);
        }
        int nl = indexOfNewline(buf);
        if (nl < 0) return "";
        return new String(buf.array(), 0, nl, StandardCharsets.UTF_8).strip();
    }

    private static int indexOfNewline(ByteBuffer buf) {
        for (int i = 0; i < buf.position(); i++) {
            if (buf.get(i) == '\n') return i;
        }
        return -1;
    }

    /**
     * Writes the answer, then reads and discards what the client may still send (bounded):
     * closing a Unix socket with unread input resets the connection, and the client would
     * get ECONNRESET instead of its answer.
     */
    private void reply(SocketChannel client, String text) throws IOException {
        Future<?> deadline = closeAfter(client, WRITE_DEADLINE_MS);
        try {
            ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) client.write(out);
            client.shutdownOutput();
        } finally {
            deadline.cancel(false);
        }
        deadline = closeAfter(client, DRAIN_DEADLINE_MS);
        try {
            ByteBuffer sink = ByteBuffer.allocate(1024);
            for (int total = 0; total < 16 * MAX_REQUEST; total += sink.position()) {
                sink.clear();
                if (client.read(sink) < 0) break;
            }
        } catch (IOException e) {
            // closed by the deadline or by the client: the answer is out either way
        } finally {
            deadline.cancel(false);
        }
    }

    /** Closes {@code client} after {@code ms} unless cancelled; at once if the server is closing. */
    private Future<?> closeAfter(SocketChannel client, long ms) {
        try {
            return deadlines.schedule(() -> closeQuietly(client), ms, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            closeQuietly(client);
            return CompletableFuture.completedFuture(null);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // gone either way
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        deadlines.shutdownNow();
        Files.deleteIfExists(path);
    }

    /** The most a client reads of an answer (a status of thousands of vassals is a few MB). */
    static final int MAX_ANSWER_BYTES = 64 << 20;

    /** Sends one request to a running emperor and returns its answer (at most {@link #MAX_ANSWER_BYTES}). */
    public static String request(Path socket, String line) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) ch.write(out);
            ch.shutdownOutput();
            var in = java.nio.channels.Channels.newInputStream(ch);
            byte[] answer = in.readNBytes(MAX_ANSWER_BYTES + 1);
            if (answer.length > MAX_ANSWER_BYTES) {
                throw new IOException("the answer from " + socket + " is over " + (MAX_ANSWER_BYTES >> 20) + " MiB");
            }
            return new String(answer, StandardCharsets.UTF_8);
        }
    }
}
