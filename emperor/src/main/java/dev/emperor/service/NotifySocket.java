package dev.emperor.service;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;

/**
 * An AF_UNIX datagram socket to the service manager, through libc (the JDK has no unix
 * datagram channels, nor abstract addresses). Close-on-exec, so no worker inherits it. A send
 * never blocks: a manager that does not read its queue must not stall the event loop; the
 * caller learns the datagram was dropped and may send it again.
 */
final class NotifySocket implements NotifySender, AutoCloseable {

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int CLOCK_MONOTONIC = 1;

    interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        /** {@code ts}: struct timespec as {seconds, nanoseconds}. */
        int clock_gettime(int clock, long[] ts) throws LastErrorException;
    }

    private static final class Holder {
        static final LibC C = Native.load("c", LibC.class);
    }

    private final NotifyAddress address;
    private final byte[] sockaddr;
    private final int fd;

    NotifySocket(NotifyAddress address) {
        this.address = address;
        this.sockaddr = address.sockaddr();
        try {
            this.fd = Holder.C.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new IllegalStateException("cannot open a socket for NOTIFY_SOCKET " + address + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void send(String message) throws NotifyException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        try {
            Holder.C.sendto(fd, bytes, bytes.length, MSG_DONTWAIT | MSG_NOSIGNAL, sockaddr, sockaddr.length);
        } catch (LastErrorException e) {
            throw new NotifyException("NOTIFY_SOCKET " + address + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            Holder.C.close(fd);
        } catch (LastErrorException e) {
            // nothing was sent through it that a close could lose
        }
    }

    /** CLOCK_MONOTONIC in microseconds, the clock systemd reads MONOTONIC_USEC= against. */
    static long monotonicMicros() {
        long[] ts = new long[2];
        Holder.C.clock_gettime(CLOCK_MONOTONIC, ts);
        return ts[0] * 1_000_000L + ts[1] / 1_000L;
    }
}
