package dev.emperor.control;

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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Function;

/**
 * The Unix socket {@code emperor status} and {@code emperor reload} talk to
 * ({@code RUN_DIR/control.sock}, mode 0600). One request line in, one answer out, then the
 * connection closes. Each connection gets a virtual thread; JDK socket channels release
 * their carrier while blocked.
 */
public final class ControlServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.control");
    private static final int MAX_REQUEST = 4096;

    private final Path path;
    private final ServerSocketChannel server;
    private final Function<String, String> handler;
    private final Thread acceptor;

    public ControlServer(Path path, Function<String, String> handler) throws IOException {
        this.path = path;
        this.handler = handler;
        Files.deleteIfExists(path); // left by an emperor that died hard; the run-dir lock says it is gone
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        this.acceptor = Thread.ofPlatform().name("emperor-control").daemon(true).unstarted(this::acceptLoop);
    }

    public void start() {
        acceptor.start();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().name("emperor-control-client").start(() -> serve(client));
            } catch (IOException e) {
                if (server.isOpen()) LOG.log(Level.WARNING, "control socket accept failed: " + e.getMessage());
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            ByteBuffer buf = ByteBuffer.allocate(MAX_REQUEST);
            while (buf.hasRemaining()) {
                if (client.read(buf) < 0) break;
                if (indexOfNewline(buf) >= 0) break;
            }
            int nl = indexOfNewline(buf);
            if (nl < 0) {
                reply(client, "error: expected one request line of at most " + MAX_REQUEST + " bytes\n");
                return;
            }
            String request = new String(buf.array(), 0, nl, StandardCharsets.UTF_8).strip();
            reply(client, handler.apply(request));
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "control client went away: " + e.getMessage());
        }
    }

    private static int indexOfNewline(ByteBuffer buf) {
        for (int i = 0; i < buf.position(); i++) {
            if (buf.get(i) == '\n') return i;
        }
        return -1;
    }

    private static void reply(SocketChannel client, String text) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) client.write(out);
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }

    /** Sends one request to a running emperor and returns its answer. */
    public static String request(Path socket, String line) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) ch.write(out);
            ch.shutdownOutput();
            var in = java.nio.channels.Channels.newInputStream(ch);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
