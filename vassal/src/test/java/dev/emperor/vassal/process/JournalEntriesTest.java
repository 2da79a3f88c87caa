package dev.emperor.vassal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The native-protocol encoder: the fields an operator filters on, the binary form, the bound. */
class JournalEntriesTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> line(String text, int priority) {
        byte[] fixed = JournalEntries.fixedFields("web", "2", 4242, "stdout");
        byte[] b = utf8(text);
        return JournalListener.decode(JournalEntries.line(fixed, priority, b, 0, b.length));
    }

    @Test
    void aLineCarriesTheVassalItsWorkerPidStreamPriorityAndMessage() {
        assertThat(line("hello world", 6)).containsExactly(
                Map.entry("SYSLOG_IDENTIFIER", "web"), Map.entry("SYSLOG_PID", "4242"),
                Map.entry("OBJECT_PID", "4242"), Map.entry("EMPEROR_VASSAL", "web"), Map.entry("EMPEROR_WORKER", "2"),
                Map.entry("EMPEROR_STREAM", "stdout"), Map.entry("PRIORITY", "6"), Map.entry("MESSAGE", "hello world"));
        byte[] raw = JournalEntries.line(JournalEntries.fixedFields("web", "2", 4242, "stdout"), 6, utf8("hi"), 0, 2);
        assertThat(new String(raw, StandardCharsets.UTF_8)).endsWith("PRIORITY=6\nMESSAGE=hi\n");
    }

    @Test
    void noPidNoSyslogPid() {
        byte[] fixed = JournalEntries.fixedFields("web", "preload", 0, "stderr");
        assertThat(JournalListener.decode(JournalEntries.event(fixed, 6, "started", "preload started")))
                .doesNotContainKeys("SYSLOG_PID", "OBJECT_PID").containsEntry("EMPEROR_WORKER", "preload")
                .containsEntry("EMPEROR_EVENT", "started").containsEntry("MESSAGE", "preload started");
    }

    @Test
    void anSdDaemonPrefixSetsThePriorityAndLeavesTheMessage() {
        assertThat(line("<3>disk on fire", 6)).containsEntry("PRIORITY", "3").containsEntry("MESSAGE", "disk on fire");
        assertThat(line("<7>", 6)).containsEntry("PRIORITY", "7").containsEntry("MESSAGE", "");
        // a facility in the prefix is ignored, as journald does: 11 = user.err
        assertThat(line("<11>facility too", 6)).containsEntry("PRIORITY", "3").containsEntry("MESSAGE", "facility too");
        // not a prefix: stays in the message, the stream's priority applies
        for (String s : new String[] {"<>x", "<x>y", "<1234>z", "<200>big", " <3>late", "<3", "3>"}) {
            assertThat(line(s, 5)).as(s).containsEntry("PRIORITY", "5").containsEntry("MESSAGE", s);
        }
    }

    @Test
    void aValueWithANewlineTakesTheBinaryFormAndInjectsNoField() {
        // a vassal name is a file name, which may hold a newline; a message may try to start a field
        byte[] fixed = JournalEntries.fixedFields("evil\nPRIORITY=0", "1", 1, "stdout");
        byte[] msg = utf8("first\nSYSLOG_IDENTIFIER=sshd\nPRIORITY=0");
        byte[] raw = JournalEntries.entry(fixed, 6, null, msg, 0, msg.length, JournalEntries.MAX_ENTRY);
        Map<String, String> e = JournalListener.decode(raw);
        assertThat(e).containsEntry("SYSLOG_IDENTIFIER", "evil\nPRIORITY=0").containsEntry("PRIORITY", "6")
                .containsEntry("MESSAGE", "first\nSYSLOG_IDENTIFIER=sshd\nPRIORITY=0").hasSize(8);
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        assertThat(text).contains("MESSAGE\n" + new String(new byte[] {(byte) msg.length, 0, 0, 0, 0, 0, 0, 0},
                StandardCharsets.ISO_8859_1));
    }

    @Test
    void bytesThatAreNotUtf8AreSentAsTheyAre() {
        byte[] fixed = JournalEntries.fixedFields("web", "1", 1, "stdout");
        byte[] msg = {'a', (byte) 0xff, 0, 'b'};
        byte[] raw = JournalEntries.entry(fixed, 6, null, msg, 0, msg.length, JournalEntries.MAX_ENTRY);
        byte[] tail = java.util.Arrays.copyOfRange(raw, raw.length - 13, raw.length);
        assertThat(tail).containsExactly('M', 'E', 'S', 'S', 'A', 'G', 'E', '=', 'a', 0xff, 0, 'b', '\n');
    }

    @Test
    void anEntryNeverPassesItsBoundAndACutMessageSaysHowLongItWas() {
        byte[] fixed = JournalEntries.fixedFields("web", "1", 1, "stdout");
        byte[] big = new byte[300_000];
        java.util.Arrays.fill(big, (byte) 'x');
        byte[] raw = JournalEntries.entry(fixed, 6, null, big, 0, big.length, JournalEntries.MAX_ENTRY);
        assertThat(raw.length).isLessThanOrEqualTo(JournalEntries.MAX_ENTRY);
        String message = JournalListener.decode(raw).get("MESSAGE");
        assertThat(message).startsWith("xxxx").endsWith("x [cut: 300000 bytes]");
        assertThat(JournalEntries.MAX_ENTRY).as("below the smallest datagram our send buffer allows")
                .isLessThan(JournalSocket.SEND_BUFFER);

        // a message that fits exactly is not cut
        byte[] small = JournalEntries.entry(fixed, 6, null, big, 0, 100, 1000);
        assertThat(JournalListener.decode(small).get("MESSAGE")).hasSize(100);
    }
}
