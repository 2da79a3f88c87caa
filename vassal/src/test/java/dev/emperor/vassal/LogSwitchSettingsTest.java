package dev.emperor.vassal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code log-timestamp} and {@code log-journal}: off unless asked for, read as uWSGI reads
 * booleans, a bad value names its line.
 */
class LogSwitchSettingsTest {

    @TempDir
    Path dir;

    static Stream<Arguments> switches() {
        return Stream.of(
                Arguments.of("log-timestamp", (Predicate<VassalSettings>) VassalSettings::logTimestamp, "1",
                        "[vassal]\ncommand = sleep 1\nlog-timestamp = maybe\n", 3),
                Arguments.of("log-journal", (Predicate<VassalSettings>) VassalSettings::logJournal, "on",
                        "[vassal]\ncommand = sleep 1\n\nlog-journal = journald\n", 4));
    }

    private VassalSettings settings(String text) throws Exception {
        Path file = Files.writeString(dir.resolve("app.ini"), text);
        return VassalSettings.from("app", new ConfigLoader(Map.of()).loadVassal(file));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("switches")
    void offByDefaultOnWhenAskedFor(String option, Predicate<VassalSettings> on, String alsoTrue, String bad, int badLine)
            throws Exception {
        assertThat(on.test(settings("[vassal]\ncommand = sleep 1\n"))).isFalse();
        assertThat(on.test(settings("[vassal]\ncommand = sleep 1\n" + option + " = true\n"))).isTrue();
        assertThat(on.test(settings("[vassal]\ncommand = sleep 1\n" + option + " = " + alsoTrue + "\n"))).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("switches")
    void aValueThatIsNoBooleanIsAnErrorOnItsLine(String option, Predicate<VassalSettings> on, String alsoTrue,
                                                  String bad, int badLine) {
        Throwable t = catchThrowable(() -> settings(bad));
        assertThat(t).isInstanceOf(ConfigException.class);
        assertThat(((ConfigException) t).errors()).anySatisfy(e -> {
            assertThat(e.origin().line()).isEqualTo(badLine);
            assertThat(e.toString()).contains(option);
        });
    }
}
