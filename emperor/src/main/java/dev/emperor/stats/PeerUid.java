package dev.emperor.stats;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;

/**
 * The user behind a loopback TCP connection, the way {@code ss -e} finds it: the client's own
 * socket is a line of {@code /proc/net/tcp} (or {@code tcp6}) whose local address is the
 * connection's remote end and whose remote address is our end, and that line's {@code uid}
 * column is the socket's owner. It works only for peers in the emperor's network namespace;
 * a connection without such a line is nobody's, and refused by callers.
 */
final class PeerUid {

    static final List<Path> PROC_FILES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

    private PeerUid() {
    }

    /** The uid owning the client socket {@code peer} connected to our {@code local}, if found. */
    static OptionalInt of(InetSocketAddress peer, InetSocketAddress local) {
        return of(peer, local, PROC_FILES);
    }

    static OptionalInt of(InetSocketAddress peer, InetSocketAddress local, List<Path> files) {
        for (Path file : files) {
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
                OptionalInt uid = find(in, peer, local);
                if (uid.isPresent()) return uid;
            } catch (NoSuchFileException e) {
                // no IPv6 on this kernel: nothing to find there
            } catch (IOException | RuntimeException e) {
                return OptionalInt.empty(); // unreadable or not what we expect: nobody's
            }
        }
        return OptionalInt.empty();
    }

    /** Reads the table line by line (it holds every socket on the machine; never all of it at once). */
    static OptionalInt find(BufferedReader table, InetSocketAddress peer, InetSocketAddress local) throws IOException {
        InetAddress peerAddress = unmapped(peer.getAddress());
        InetAddress localAddress = unmapped(local.getAddress());
        String line = table.readLine(); // the header
        while ((line = table.readLine()) != null) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 10) continue;
            if (port(f[1]) != peer.getPort() || port(f[2]) != local.getPort()) continue;
            if (address(f[1]).equals(peerAddress) && address(f[2]).equals(localAddress)) {
                // Only a connected socket a process still holds says whose it is: once its owner
                // closes it (FIN_WAIT, TIME_WAIT) the kernel shows it as uid 0 with inode 0, and a
                // client that sends its request and closes at once would pass for root.
                boolean held = f[3].equals("01") && !f[9].equals("0");
                return held ? OptionalInt.of(Integer.parseInt(f[7])) : OptionalInt.empty();
            }
        }
        return OptionalInt.empty();
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1), 16);
    }

    /**
     * The kernel prints an address as 32-bit words in the machine's byte order
     * ({@code %08X} of each), so on little-endian machines each word's bytes are reversed.
     */
    static InetAddress address(String hostPort) throws UnknownHostException {
        String hex = hostPort.substring(0, hostPort.indexOf(':'));
        byte[] raw = HexFormat.of().parseHex(hex);
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            for (int w = 0; w + 4 <= raw.length; w += 4) {
                byte b0 = raw[w], b1 = raw[w + 1];
                raw[w] = raw[w + 3];
                raw[w + 1] = raw[w + 2];
                raw[w + 2] = b1;
                raw[w + 3] = b0;
            }
        }
        return unmapped(InetAddress.getByAddress(raw)); // an IPv4-mapped IPv6 address comes back as IPv4
    }

    private static InetAddress unmapped(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 16) {
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) mapped = b[i] == 0;
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e); // four bytes are always an address
                }
            }
        }
        return a;
    }
}
