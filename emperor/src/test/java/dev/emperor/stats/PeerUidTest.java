package dev.emperor.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class PeerUidTest {

    @Test
    void findsTheUserOfARealLoopbackConnection() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "needs Linux's /proc/net/tcp");
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            OptionalInt uid = PeerUid.of((InetSocketAddress) accepted.getRemoteSocketAddress(),
                    (InetSocketAddress) accepted.getLocalSocketAddress());
            assertThat(uid).hasValue(DashboardActions.effectiveUid());
        }
    }

    @Test
    void readsTheUidColumnOfTheClientsLineOnly() throws Exception {
        Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the fixture is a little-endian table");
        String table = """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1
                   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 101 1
                   2: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1001        0 102 1
                   3: 0200007F:D432 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1002        0 103 1
                """;
        InetSocketAddress local = new InetSocketAddress("127.0.0.1", 0x1F90);
        assertThat(PeerUid.find(reader(table), new InetSocketAddress("127.0.0.1", 0xD431), local)).hasValue(1001);
        // same ports from another address: not that line
        assertThat(PeerUid.find(reader(table), new InetSocketAddress("127.0.0.2", 0xD431), local)).isEmpty();
        assertThat(PeerUid.find(reader(table), new InetSocketAddress("127.0.0.2", 0xD432), local)).hasValue(1002);
    }

    @Test
    void aClientSocketItsOwnerClosedIsNobodysThoughTheKernelShowsUidZero() throws Exception {
        Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the fixture is a little-endian table");
        // a request sent, then close(): FIN_WAIT2 (05) and TIME_WAIT (06) lines are root's with inode 0
        String table = """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 0100007F:D431 0100007F:1F90 05 00000000:00000000 00:00000000 00000000     0        0 0 1
                   1: 0100007F:D432 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 3
                   2: 0100007F:D433 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 0 1
                """;
        InetSocketAddress local = new InetSocketAddress("127.0.0.1", 0x1F90);
        assertThat(PeerUid.find(reader(table), new InetSocketAddress("127.0.0.1", 0xD431), local)).isEmpty();
        assertThat(PeerUid.find(reader(table), new InetSocketAddress("127.0.0.1", 0xD432), local)).isEmpty();
        assertThat(PeerUid.find(reader(table), new InetSocketAddress("127.0.0.1", 0xD433), local)).isEmpty();
    }

    @Test
    void anIpv4MappedAddressInTcp6MatchesAnIpv4Peer() throws Exception {
        Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the fixture is a little-endian table");
        String table = """
                  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 0000000000000000FFFF00000100007F:D431 0000000000000000FFFF00000100007F:1F90 01 00000000:00000000 00:00000000 00000000  1003        0 1 1
                   1: 00000000000000000000000001000000:D433 00000000000000000000000001000000:1F90 01 00000000:00000000 00:00000000 00000000  1004        0 2 1
                """;
        assertThat(PeerUid.find(reader(table), new InetSocketAddress("127.0.0.1", 0xD431),
                new InetSocketAddress("127.0.0.1", 0x1F90))).hasValue(1003);
        assertThat(PeerUid.find(reader(table), new InetSocketAddress("::1", 0xD433),
                new InetSocketAddress("::1", 0x1F90))).hasValue(1004);
    }

    private static BufferedReader reader(String s) {
        return new BufferedReader(new StringReader(s));
    }
}
