package dev.emperor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.emperor.cli.EmperorLocator.Place;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code emperor status} looks, in the order an operator expects: what they said
 * (--run-dir, EMPEROR_RUN_DIR, the settings file), else the default, and for a user who is
 * not root, a service's emperor after that.
 */
class EmperorLocatorTest {

    private static final long USER = 1000;

    @TempDir
    Path tmp;

    private final List<String> notes = new ArrayList<>();

    private List<Place> places(Path flag, Path settings, Map<String, String> env, long uid) {
        return EmperorLocator.places(flag, settings, env, uid, tmp.resolve("no-etc/emperor.ini"), notes);
    }

    @Test
    void theFlagWinsOverEverything() throws Exception {
        Path ini = Files.writeString(tmp.resolve("e.ini"), "[emperor]\nrun-dir = /srv/from-file\n");
        assertThat(places(Path.of("/srv/flag"), ini, Map.of("EMPEROR_RUN_DIR", "/srv/env"), USER))
                .containsExactly(new Place(Path.of("/srv/flag"), "--run-dir"));
    }

    @Test
    void theEnvironmentWinsOverTheSettingsFileAndIsTheOnlyPlaceTried() throws Exception {
        Path ini = Files.writeString(tmp.resolve("e.ini"), "[emperor]\nrun-dir = /srv/from-file\n");
        assertThat(places(null, ini, Map.of("EMPEROR_RUN_DIR", "/srv/env"), USER))
                .containsExactly(new Place(Path.of("/srv/env"), "EMPEROR_RUN_DIR"));
    }

    @Test
    void theSettingsFilesRunDirIsUsed() throws Exception {
        Path ini = Files.writeString(tmp.resolve("e.ini"), "[emperor]\nemperor = /etc/v\nrun-dir = /srv/from-file\n");
        assertThat(places(null, ini, Map.of(), USER))
                .containsExactly(new Place(Path.of("/srv/from-file"), "run-dir in " + ini));
    }

    @Test
    void theSystemSettingsFileIsReadWhenNoneIsNamed() throws Exception {
        Path etc = Files.writeString(tmp.resolve("emperor.ini"), "[emperor]\nrun-dir = /srv/service\n");
        assertThat(EmperorLocator.places(null, null, Map.of(), USER, etc, notes))
                .containsExactly(new Place(Path.of("/srv/service"), "run-dir in " + etc));
    }

    @Test
    void aBrokenSystemSettingsFileIsNotedAndSkipped() throws Exception {
        Path etc = Files.writeString(tmp.resolve("emperor.ini"), "[emperor\nrun-dir = /srv/service\n");
        List<Place> found = EmperorLocator.places(null, null, Map.of("XDG_RUNTIME_DIR", tmp.toString()), USER, etc,
                notes);
        assertThat(found).extracting(Place::dir).containsExactly(tmp.resolve("emperor"), Path.of("/run/emperor"));
        assertThat(notes).singleElement().asString().startsWith(etc + ": skipped, it does not load: ");
    }

    @Test
    void aBrokenNamedSettingsFileIsTheUsersErrorWithFileAndLine() throws Exception {
        Path ini = Files.writeString(tmp.resolve("e.ini"), "[emperor\nrun-dir = /srv/x\n");
        assertThatThrownBy(() -> places(null, ini, Map.of(), USER))
                .isInstanceOf(EmperorCommand.UserError.class).hasMessageContaining(ini + ":1");
    }

    @Test
    void aSettingsFileWithoutRunDirLeavesTheDefault() throws Exception {
        Path ini = Files.writeString(tmp.resolve("e.ini"), "[emperor]\nemperor = /etc/v\n");
        assertThat(places(null, ini, Map.of("XDG_RUNTIME_DIR", tmp.toString()), USER)).containsExactly(
                new Place(tmp.resolve("emperor"), "the default: $XDG_RUNTIME_DIR/emperor"),
                new Place(Path.of("/run/emperor"), "a service's emperor"));
    }

    @Test
    void aUserWithoutRuntimeDirTriesTmpThenTheService() {
        assertThat(places(null, null, Map.of(), USER)).extracting(Place::dir)
                .containsExactly(Path.of("/tmp/emperor-1000"), Path.of("/run/emperor"));
    }

    @Test
    void rootTriesOnlyRunEmperor() {
        assertThat(places(null, null, Map.of("XDG_RUNTIME_DIR", tmp.toString()), 0))
                .containsExactly(new Place(Path.of("/run/emperor"), "the default for root"));
    }

    @Test
    void theMessageListsEveryPlaceAndWhatToPass() {
        String m = EmperorLocator.notFound(List.of("/a (x): no control.sock there", "/run/emperor (y): no control.sock"
                + " there"));
        assertThat(m).isEqualTo("""
                no emperor answered. Looked in:
                  /a (x): no control.sock there
                  /run/emperor (y): no control.sock there
                Is it running? If so, pass the run dir it printed at start-up (--run-dir DIR, or\
                 EMPEROR_RUN_DIR=DIR), or the settings file it was started with (--ini FILE).""");
    }
}
