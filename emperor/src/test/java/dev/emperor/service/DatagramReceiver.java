package dev.emperor.service;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** A unix datagram socket standing in for systemd's notify socket (the JDK has none). */
final class DatagramReceiver implements AutoCloseable {

    interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, byte[] addr, int len) throws LastErrorException;

        int setsockopt(int fd, int level, int option, long[] value, int len) throws LastErrorException;

        long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final LibC C = Native.load("c", LibC.class);
    private final int fd;

    DatagramReceiver(NotifyAddress address) {
        fd = C.socket(1, 2 | 02000000, 0);
        byte[] sa = address.sockaddr();
        C.bind(fd, sa, sa.length);
        C.setsockopt(fd, 1, 20 /* SO_RCVTIMEO */, new long[] {0, 200_000}, 16);
    }

    /** The next datagram, or empty after 200 ms without one. */
    Optional<String> receive() {
        byte[] buf = new byte[4096];
        try {
            long n = C.recv(fd, buf, buf.length, 0);
            return Optional.of(new String(buf, 0, (int) n, StandardCharsets.UTF_8));
        } catch (LastErrorException e) {
            if (e.getErrorCode() == 11) return Optional.empty(); // EAGAIN: the timeout
            throw e;
        }
    }

    @Override
    public void close() {
        C.close(fd);
    }
}
