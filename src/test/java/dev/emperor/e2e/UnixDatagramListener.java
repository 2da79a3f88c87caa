package dev.emperor.e2e;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * What stands in for systemd's notify socket or journald's socket in the tests: a unix datagram
 * socket bound at a path, read by one thread that keeps every datagram, decoded as it arrives,
 * with its arrival time, and that can be paused to play a reader that does not keep up. (The JDK has no unix datagram
 * channel, hence libc through JNA.)
 */
final class UnixDatagramListener<T> implements AutoCloseable {

    /** One datagram, decoded, and when it arrived. */
    record Arrived<T>(long atNanos, T value) {
    }

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
    private final int maxSize;
    private final Function<byte[], T> decode;
    private final List<Arrived<T>> received = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean paused;
    private volatile boolean closed;

    /** Binds {@code path}; datagrams up to {@code maxSize} bytes are read whole and kept as {@code decode} makes them. */
    UnixDatagramListener(Path path, String threadName, int maxSize, Function<byte[], T> decode) {
        this.path = path;
        this.maxSize = maxSize;
        this.decode = decode;
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        byte[] addr = new byte[2 + name.length + 1]; // sockaddr_un: family, path, NUL
        addr[0] = AF_UNIX;
        System.arraycopy(name, 0, addr, 2, name.length);
        fd = C.socket(AF_UNIX, SOCK_DGRAM_CLOEXEC, 0);
        C.bind(fd, addr, addr.length);
        C.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, new long[] {0, 50_000}, 16); // close() and pause() are seen
        reader = Thread.ofPlatform().name(threadName).daemon(true).start(this::read);
    }

    private void read() {
        byte[] buf = new byte[maxSize];
        while (!closed) {
            if (paused) {
                try {
                    Thread.sleep(10); // a reader that does not keep up: nothing is read
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            try {
                long n = C.recv(fd, buf, buf.length, 0);
                long at = System.nanoTime();
                received.add(new Arrived<>(at, decode.apply(Arrays.copyOf(buf, (int) n))));
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EAGAIN && e.getErrorCode() != EINTR) throw e;
            }
        }
    }

    Path path() {
        return path;
    }

    List<Arrived<T>> received() {
        return List.copyOf(received);
    }

    List<T> values() {
        return received.stream().map(Arrived::value).toList();
    }

    void pause(boolean on) {
        paused = on;
    }

    @Override
    public void close() throws InterruptedException {
        if (closed) return;
        closed = true;
        reader.join(2000);
        C.close(fd);
    }
}
