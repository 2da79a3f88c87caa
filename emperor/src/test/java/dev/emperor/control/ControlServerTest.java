package dev.emperor.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.emperor.logging.InternalErrors;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlServerTest {

    @TempDir
    Path dir;
    private ControlServer server;
    private final InternalErrors errors = new InternalErrors();

    private void start(java.util.function.Function<String, String> handler) throws IOException {
        server = new ControlServer(dir.resolve("control.sock"), handler, errors, 300);
        server.start();
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) server.close();
    }

    @Test
    void theSocketIsTheEmperorsUsersOnly() throws Exception {
        start(r -> "ok\n");
        Path sock = dir.resolve("control.sock");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock, LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rw-------");
        assertThat(Files.getOwner(sock, LinkOption.NOFOLLOW_LINKS)).isEqualTo(Files.getOwner(dir));
        assertThat(ControlServer.request(sock, "status")).isEqualTo("ok\n");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(sock); // the private bind directory is gone
        }
    }

    @Test
    void aClientThatSendsNothingIsClosedAtItsDeadline() throws Exception {
        start(r -> "ok\n");
        try (SocketChannel silent = connect()) {
            assertThat(readToEnd(silent, 10)).isEmpty(); // closed by the server, not by the test's timeout
        }
        assertThat(ControlServer.request(dir.resolve("control.sock"), "status")).isEqualTo("ok\n");
    }

    @Test
    void clientsBeyondTheCapAreClosedAtOnceAndTheNextOneIsServed() throws Exception {
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        start(r -> {
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "ok\n";
        });
        List<SocketChannel> busy = new ArrayList<>();
        try {
            for (int i = 0; i < ControlServer.MAX_CLIENTS; i++) {
                SocketChannel c = connect();
                write(c, "status\n");
                busy.add(c);
            }
            try (SocketChannel extra = connect()) {
                assertThat(readToEnd(extra, 5)).isEmpty();
            }
            hold.countDown();
            for (SocketChannel c : busy) assertThat(readToEnd(c, 5)).isEqualTo("ok\n");
        } finally {
            hold.countDown();
            for (SocketChannel c : busy) c.close();
        }
    }

    @Test
    void anOverlongRequestIsRefusedWithTheLimit() throws Exception {
        start(r -> "ok\n");
        try (SocketChannel c = connect()) {
            write(c, "x".repeat(ControlServer.MAX_REQUEST + 10));
            assertThat(readToEnd(c, 5)).startsWith("error: expected one request line of at most 4096 bytes");
        }
    }

    @Test
    void anErrorInTheHandlerIsCountedAndTheServerGoesOn() throws Exception {
        boolean[] thrown = {false};
        start(r -> {
            if (!thrown[0]) {
                thrown[0] = true;
                throw new StackOverflowError("test");
            }
            return "ok\n";
        });
        try (SocketChannel c = connect()) {
            write(c, "status\n");
            assertThat(readToEnd(c, 5)).isEmpty();
        }
        assertThat(errors.count()).isEqualTo(1);
        assertThat(ControlServer.request(dir.resolve("control.sock"), "status")).isEqualTo("ok\n");
    }

    @Test
    void anotherUserIsRefusedEvenIfTheModeWereOpened() throws Exception {
        assumeTrue(dev.emperor.vassal.process.Posix.effectiveUid() == 0, "needs root to connect as another user");
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "needs /usr/bin/python3 for the other user's client");
        start(r -> "secret thread dump\n");
        Path sock = dir.resolve("control.sock");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-rw-rw-")); // a mistake elsewhere
        Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", python.toString(),
                "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]);"
                        + " s.sendall(b'status\\n'); print(s.makefile().read(), end='')", sock.toString())
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).contains("for the emperor's user only").doesNotContain("secret");
    }

    private SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(dir.resolve("control.sock")));
        return c;
    }

    private static void write(SocketChannel c, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) c.write(b);
    }

    /** Everything until the server closes; fails if it does not close within {@code seconds}. */
    private static String readToEnd(SocketChannel c, int seconds) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(java.nio.channels.Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, r -> Thread.ofVirtual().start(r)).get(seconds, TimeUnit.SECONDS);
    }
}
