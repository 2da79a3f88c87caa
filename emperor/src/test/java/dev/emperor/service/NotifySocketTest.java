package dev.emperor.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotifySocketTest {

    @TempDir
    Path tmp;

    @Test
    void sendsToAPathSocket() throws Exception {
        NotifyAddress address = NotifyAddress.parse(tmp.resolve("notify").toString()).orElseThrow();
        try (DatagramReceiver systemd = new DatagramReceiver(address); NotifySocket s = new NotifySocket(address)) {
            s.send("READY=1\nSTATUS=1 vassal: 1 running");
            assertThat(systemd.receive()).contains("READY=1\nSTATUS=1 vassal: 1 running");
        }
    }

    @Test
    void sendsToAnAbstractSocket() throws Exception {
        NotifyAddress address = NotifyAddress.parse("@emperor-test-" + ThreadLocalRandom.current().nextLong())
                .orElseThrow();
        try (DatagramReceiver systemd = new DatagramReceiver(address); NotifySocket s = new NotifySocket(address)) {
            s.send("WATCHDOG=1");
            assertThat(systemd.receive()).contains("WATCHDOG=1");
        }
    }

    @Test
    void aManagerThatDoesNotReadNeverBlocksTheSender() throws Exception {
        NotifyAddress address = NotifyAddress.parse(tmp.resolve("full").toString()).orElseThrow();
        try (DatagramReceiver systemd = new DatagramReceiver(address); NotifySocket s = new NotifySocket(address)) {
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100_000; i++) s.send("WATCHDOG=1");
            }).isInstanceOf(NotifySender.NotifyException.class).hasMessageContaining(address.toString());
            assertThat(systemd.receive()).contains("WATCHDOG=1");
        }
    }

    @Test
    void aMissingSocketIsAnErrorNamingIt() {
        NotifyAddress address = NotifyAddress.parse(tmp.resolve("gone").toString()).orElseThrow();
        try (NotifySocket s = new NotifySocket(address)) {
            assertThatThrownBy(() -> s.send("READY=1")).hasMessageContaining(tmp.resolve("gone").toString());
        }
    }

    @Test
    void monotonicMicrosIsTheJvmsMonotonicClock() {
        long before = System.nanoTime() / 1000;
        long mono = NotifySocket.monotonicMicros();
        long after = System.nanoTime() / 1000;
        assertThat(mono).isBetween(before - 1000, after + 1000);
    }
}
