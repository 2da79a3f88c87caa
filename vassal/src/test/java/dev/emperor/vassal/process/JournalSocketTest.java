package dev.emperor.vassal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transport: a missing journal is an errno at once, a busy one a bounded wait; the largest entry fits a datagram. */
class JournalSocketTest {

    @TempDir
    Path tmp;

    @Test
    void aMissingJournalIsAnErrnoAtOnce() {
        try (JournalSocket s = new JournalSocket(tmp.resolve("none.sock"))) {
            assertThat(s.present()).isFalse();
            assertThat(s.send("MESSAGE=x\n".getBytes())).isEqualTo(Posix.ENOENT);
        }
    }

    @Test
    void aJournalThatDoesNotReadRefusesWithEagainAfterTheSendTimeout() throws Exception {
        try (JournalListener l = new JournalListener(tmp.resolve("j.sock")); JournalSocket s = new JournalSocket(l.path())) {
            l.pause(true);
            Thread.sleep(100); // the listener's thread leaves recv (50 ms timeout) and stops reading
            int refused = 0;
            long start = System.nanoTime();
            for (int i = 0; i < 10_000 && refused == 0; i++) refused = s.send(("MESSAGE=" + i + "\n").getBytes());
            assertThat(refused).isEqualTo(Posix.EAGAIN);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(JournalSocket.SEND_TIMEOUT_MS - 10));
        }
    }

    @Test
    void theLargestEntryFitsOneDatagramAndArrivesWhole() throws Exception {
        try (JournalListener l = new JournalListener(tmp.resolve("j.sock")); JournalSocket s = new JournalSocket(l.path())) {
            byte[] huge = new byte[1 << 20];
            java.util.Arrays.fill(huge, (byte) 'y');
            byte[] entry = JournalEntries.line(JournalEntries.fixedFields("app", "1", 1, "stdout"), 6, huge, 0, huge.length);
            assertThat(entry.length).isBetween(JournalEntries.MAX_ENTRY - 64, JournalEntries.MAX_ENTRY);
            assertThat(s.send(entry)).isZero();
            Map<String, String> got = l.awaitEntry("the big entry", e -> e.containsKey("MESSAGE"));
            assertThat(got.get("MESSAGE")).endsWith("[cut: 1048576 bytes]");
            assertThat(got.get("MESSAGE").length()).isGreaterThan(190_000);
        }
    }

    @Test
    void theTestHookIsTheOnlyOtherPath() {
        assertThat(JournalSocket.forEnvironment(Map.of()).path()).isEqualTo(Path.of("/run/systemd/journal/socket"));
        assertThat(JournalSocket.forEnvironment(Map.of(JournalSocket.TEST_VARIABLE, "/tmp/j.sock")).path())
                .isEqualTo(Path.of("/tmp/j.sock"));
        assertThatThrownBy(() -> new JournalSocket(Path.of("/" + "x".repeat(120)))).isInstanceOf(IllegalArgumentException.class);
    }
}
