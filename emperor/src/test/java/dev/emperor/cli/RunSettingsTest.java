package dev.emperor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.emperor.daemon.EmperorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The emperor's own settings, read through the one schema as {@code emperor run --ini FILE} reads them. */
class RunSettingsTest {

    @TempDir
    Path dir;

    private RunCommand command(String settingsText) throws Exception {
        Path vassals = Files.createDirectories(dir.resolve("vassals"));
        Path file = Files.writeString(dir.resolve("emperor.ini"), settingsText.replace("VASSALS", vassals.toString()));
        RunCommand run = new RunCommand();
        run.settingsFiles = List.of(file.toString());
        return run;
    }

    @Test
    void verboseNoTurnsVerboseOff() throws Exception {
        RunCommand run = command("[emperor]\nemperor = VASSALS\nverbose = no\n");
        run.settings();
        assertThat(run.verbose).isFalse();
    }

    @Test
    void verboseReadsEveryBooleanSpelling() throws Exception {
        for (String yes : List.of("yes", "TRUE", "on", "1")) {
            RunCommand run = command("[emperor]\nemperor = VASSALS\nverbose = " + yes + "\n");
            run.settings();
            assertThat(run.verbose).as(yes).isTrue();
        }
        for (String no : List.of("No", "false", "OFF", "0")) {
            RunCommand run = command("[emperor]\nemperor = VASSALS\nverbose = " + no + "\n");
            run.settings();
            assertThat(run.verbose).as(no).isFalse();
        }
    }

    @Test
    void aValueThatIsNoBooleanIsAnErrorWithFileAndLine() throws Exception {
        RunCommand run = command("[emperor]\nemperor = VASSALS\nverbose = maybe\n");
        EmperorCommand.UserError e = catchThrowableOfType(EmperorCommand.UserError.class, run::settings);
        assertThat(e.getMessage()).isEqualTo(dir.resolve("emperor.ini")
                + ":3: verbose: expected a boolean (true/false, yes/no, on/off, 1/0), found 'maybe'");
        assertThat(e.exitCode()).isEqualTo(2);
    }

    @Test
    void uwsgiEmperorFilesKeepTheirOptionNames() throws Exception {
        RunCommand run = command("[uwsgi]\nemperor = VASSALS\nemperor-throttle = 500\nemperor-max-throttle = 4000\n"
                + "emperor-required-heartbeat = 12\nemperor-freq = 3\n");
        EmperorSettings s = run.settings();
        assertThat(s.throttle().step()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.throttle().max()).isEqualTo(Duration.ofMillis(4000));
        assertThat(s.requiredHeartbeat()).isEqualTo(Duration.ofSeconds(12));
        assertThat(s.rescanInterval()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void theSchemasDefaultsApplyWhenNothingIsSet() throws Exception {
        EmperorSettings s = command("[emperor]\nemperor = VASSALS\n").settings();
        assertThat(s.throttle().step()).isEqualTo(Duration.ofMillis(1000));
        assertThat(s.throttle().max()).isEqualTo(Duration.ofMillis(180_000));
        assertThat(s.rescanInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.requiredHeartbeat()).isEqualTo(Duration.ofSeconds(30));
    }
}
