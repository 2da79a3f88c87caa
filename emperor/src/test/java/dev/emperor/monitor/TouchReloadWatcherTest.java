package dev.emperor.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which touch-reload files changed since the last look, per vassal. */
class TouchReloadWatcherTest {

    @TempDir
    Path dir;
    final List<Path> watched = new ArrayList<>();
    final TouchReloadWatcher watcher = new TouchReloadWatcher(watched::add);

    void touch(Path p, long plusMs) throws IOException {
        Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() + plusMs));
    }

    @Test
    void aTouchIsAChangeOnceAndItsFolderIsWatched() throws IOException {
        Path trigger = Files.writeString(dir.resolve("reload.trigger"), "");
        assertThat(watcher.changed("web", List.of(trigger))).isEmpty(); // the first look only remembers
        assertThat(watched).contains(dir);

        touch(trigger, 5_000);
        assertThat(watcher.changed("web", List.of(trigger))).contains(trigger);
        assertThat(watcher.changed("web", List.of(trigger))).isEmpty();
    }

    @Test
    void aFileThatAppearsIsAChangeButOneThatGoesIsNot() throws IOException {
        Path trigger = dir.resolve("reload.trigger");
        assertThat(watcher.changed("web", List.of(trigger))).isEmpty();
        Files.writeString(trigger, "");
        assertThat(watcher.changed("web", List.of(trigger))).contains(trigger);
        Files.delete(trigger);
        assertThat(watcher.changed("web", List.of(trigger))).isEmpty();
    }

    @Test
    void vassalsAreApartAndAForgottenOneStartsAfresh() throws IOException {
        Path trigger = Files.writeString(dir.resolve("shared.trigger"), "");
        watcher.changed("web", List.of(trigger));
        watcher.changed("api", List.of(trigger));
        touch(trigger, 5_000);
        assertThat(watcher.changed("web", List.of(trigger))).contains(trigger);
        assertThat(watcher.changed("api", List.of(trigger))).contains(trigger);

        watcher.forget("web");
        touch(trigger, 10_000);
        assertThat(watcher.changed("web", List.of(trigger))).isEmpty();
    }
}
