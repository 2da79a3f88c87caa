package dev.emperor.vassal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spawner runs from a descriptor the emperor holds: a program planted under its name never runs. */
class SpawnerImageTest {

    @TempDir
    Path tmp;

    private void assertRuns(SpawnerImage image) throws Exception {
        // The log opener is the same program: if it answers, the image ran.
        try (LogOpener opener = new LogOpener(image)) {
            LogTarget t = new LogTarget(tmp.resolve("logs/check.log"), 0, 1);
            t.bind(opener, LogOpener.Owner.EMPEROR);
            t.write("ran\n".getBytes(StandardCharsets.UTF_8), 1);
            assertThat(t.error()).isNull();
            t.closeQuietly();
            assertThat(Files.readString(t.file())).isEqualTo("ran\n");
        }
    }

    @Test
    void inMemoryByDefaultSealedAgainstWriting() throws Exception {
        try (SpawnerImage image = SpawnerImage.load(tmp)) {
            assertThat(Files.readSymbolicLink(Path.of(image.path())).toString()).startsWith("/memfd:emperor-spawner");
            // Sealed: not even the emperor can change it now.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Files.writeString(Path.of(image.path()), "x",
                    java.nio.file.StandardOpenOption.WRITE)).isInstanceOf(java.io.IOException.class);
            assertRuns(image);
        }
    }

    @Test
    void theFileFallbackNeverRunsWhatSomeonePutThereAndLeavesNothingBehind() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path marker = tmp.resolve("planted-ran");
        Path planted = Files.writeString(bin.resolve(WorkerLauncher.SPAWNER_RESOURCE), "#!/bin/sh\ntouch " + marker + "\n");
        Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwx------"));
        try (SpawnerImage image = SpawnerImage.inFile(bin)) {
            assertRuns(image);
            assertThat(marker).doesNotExist();
            try (var left = Files.list(bin)) {
                assertThat(left).containsExactly(planted); // ours was unlinked once opened
            }
            assertThat(Files.readSymbolicLink(Path.of(image.path())).toString()).endsWith("(deleted)");
        }
    }
}
