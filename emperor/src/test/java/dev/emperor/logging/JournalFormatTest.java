package dev.emperor.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Under journald the emperor's lines carry sd-daemon priorities and no timestamp; elsewhere as before. */
class JournalFormatTest {

    @TempDir
    Path tmp;

    private static String journal(Level level, String text) {
        return new LogFormat(true).format(new LogRecord(level, text));
    }

    @Test
    void eachLevelGetsItsSyslogPriorityAndNoTimeOfItsOwn() {
        assertThat(journal(Level.SEVERE, "spawner died")).isEqualTo("<3>spawner died\n");
        assertThat(journal(Level.WARNING, "vassal web: backoff")).isEqualTo("<4>vassal web: backoff\n");
        assertThat(journal(Level.INFO, "vassal web: running")).isEqualTo("<6>vassal web: running\n");
        assertThat(journal(Level.FINE, "scan took 2 ms")).isEqualTo("<7>scan took 2 ms\n");
    }

    @Test
    void aForgedPriorityOrNewlineInAMessageStaysInsideOneEntry() {
        String line = journal(Level.INFO, "note from agent\n<3>fake error");
        assertThat(line).startsWith("<6>").endsWith("\n");
        assertThat(line.chars().filter(c -> c == '\n').count()).isEqualTo(1);
    }

    @Test
    void everyLineOfAStackTraceCarriesThePriority() {
        LogRecord r = new LogRecord(Level.SEVERE, "internal error");
        r.setThrown(new IllegalStateException("boom"));
        String text = new LogFormat(true).format(r);
        assertThat(text.split("\n")).allSatisfy(l -> assertThat(l).startsWith("<3>"));
    }

    @Test
    void outsideTheJournalLinesKeepTheirTimestampAndLevel() {
        String line = new LogFormat(false).format(new LogRecord(Level.WARNING, "vassal web: backoff"));
        assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z WARN  vassal web: backoff\n");
    }

    @Test
    void stderrIsTheJournalOnlyWhenJournalStreamNamesItsDeviceAndInode() throws Exception {
        Path stream = Files.writeString(tmp.resolve("stream"), "");
        Map<String, Object> a = Files.readAttributes(stream, "unix:dev,ino");
        String mine = a.get("dev") + ":" + a.get("ino");
        assertThat(LogSetup.stderrIsJournal(mine, stream)).isTrue();
        Path other = Files.writeString(tmp.resolve("other"), ""); // stderr redirected: the variable was inherited
        assertThat(LogSetup.stderrIsJournal(mine, other)).isFalse();
        assertThat(LogSetup.stderrIsJournal(null, stream)).isFalse();
        assertThat(LogSetup.stderrIsJournal("garbage", stream)).isFalse();
        assertThat(LogSetup.stderrIsJournal("1:x", stream)).isFalse();
    }
}
