package dev.emperor.vassal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code log-journal}: off unless asked for, a bad value names its line. */
class LogJournalSettingTest {

    @TempDir
    Path dir;

    private VassalSettings settings(String text) throws Exception {
        Path file = Files.writeString(dir.resolve("app.ini"), text);
        return VassalSettings.from("app", new ConfigLoader(Map.of()).loadVassal(file));
    }

    @Test
    void offByDefaultOnWhenAskedFor() throws Exception {
        assertThat(settings("[vassal]\ncommand = sleep 1\n").logJournal()).isFalse();
        assertThat(settings("[vassal]\ncommand = sleep 1\nlog-journal = true\n").logJournal()).isTrue();
        assertThat(settings("[vassal]\ncommand = sleep 1\nlog-journal = on\n").logJournal()).isTrue();
    }

    @Test
    void aValueThatIsNoBooleanIsAnErrorOnItsLine() {
        Throwable t = catchThrowable(() -> settings("[vassal]\ncommand = sleep 1\n\nlog-journal = journald\n"));
        assertThat(t).isInstanceOf(ConfigException.class);
        assertThat(((ConfigException) t).errors()).anySatisfy(e -> {
            assertThat(e.origin().line()).isEqualTo(4);
            assertThat(e.toString()).contains("log-journal");
        });
    }
}
