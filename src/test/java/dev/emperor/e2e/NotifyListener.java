package dev.emperor.e2e;

import static org.awaitility.Awaitility.await;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * systemd's side of {@code NOTIFY_SOCKET} for the package tests: a unix datagram socket bound
 * at a path, read by one thread that keeps every message. (The JDK has no unix datagram
 * channel, hence libc through JNA.)
 */
final class NotifyListener implements AutoCloseable {

    interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, byte[] addr, int len) throws LastErrorException;

        int setsockopt(int fd, int level, int option, long[] value, int len) throws LastErrorException;

        long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM_CLOEXEC = 2 | 02000000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final LibC C = Native.load("c", LibC.class);

    private final Path path;
    private final int fd;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean closed;

    NotifyListener(Path path) {
        this.path = path;
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        byte[] addr = new byte[2 + name.length + 1]; // sockaddr_un: family, path, NUL
        addr[0] = AF_UNIX;
        System.arraycopy(name, 0, addr, 2, name.length);
        fd = C.socket(AF_UNIX, SOCK_DGRAM_CLOEXEC, 0);
        C.bind(fd, addr, addr.length);
        C.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, new long[] {0, 100_000}, 16); // so that close() is seen
        reader = Thread.ofPlatform().name("notify-listener").daemon(true).start(this::read);
    }

    private void read() {
        byte[] buf = new byte[4096];
        while (!closed) {
            try {
                long n = C.recv(fd, buf, buf.length, 0);
                received.add(new String(buf, 0, (int) n, StandardCharsets.UTF_8));
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EAGAIN && e.getErrorCode() != EINTR) throw e;
            }
        }
    }

    Path path() {
        return path;
    }

    List<String> received() {
        return List.copyOf(received);
    }

    /** Waits for a datagram at index {@code from} or later that has {@code line} as one of its lines; returns its index. */
    int awaitAfter(int from, String line, Duration within) {
        int[] found = {-1};
        await("datagram with " + line).atMost(within).pollInterval(Duration.ofMillis(20)).until(() -> {
            List<String> all = received();
            for (int i = from; i < all.size(); i++) {
                if (all.get(i).lines().anyMatch(line::equals)) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        reader.join(2000);
        C.close(fd);
    }
}
