package dev.emperor.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.emperor.trust.PathWalk.Role;
import dev.emperor.trust.PathWalk.Step;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The walk sees every directory, symlink and file that decides what is read, and reads exactly that file. */
class PathWalkTest {

    @TempDir
    Path tmp;

    @Test
    void aPlainFileIsReachedThroughEachOfItsDirectories() throws IOException {
        Path file = Files.writeString(Files.createDirectories(tmp.resolve("a/b")).resolve("app.ini"), "hello");
        try (PathWalk walk = PathWalk.toFile(file)) {
            assertThat(walk.steps()).extracting(Step::path).startsWith("/").endsWith(file.toRealPath().toString());
            assertThat(walk.steps()).filteredOn(s -> s.role() == Role.DIRECTORY).extracting(Step::path)
                    .contains(file.toRealPath().getParent().toString());
            assertThat(walk.parent().path()).isEqualTo(file.toRealPath().getParent().toString());
            assertThat(read(walk)).isEqualTo("hello");
        }
    }

    @Test
    void symlinksAreFollowedAndEachIsRecorded() throws IOException {
        Path real = Files.writeString(Files.createDirectories(tmp.resolve("real/dir")).resolve("app.ini"), "target");
        Files.createSymbolicLink(tmp.resolve("rel"), Path.of("real/dir"));
        Path abs = Files.createSymbolicLink(tmp.resolve("abs.ini"), tmp.resolve("rel/../dir/app.ini").toAbsolutePath());
        // rel/.. is real/, physically: the kernel goes up from the link's target, not from tmp
        try (PathWalk walk = PathWalk.toFile(abs)) {
            assertThat(walk.steps()).filteredOn(s -> s.role() == Role.SYMLINK).extracting(Step::path)
                    .containsExactly(tmp.toRealPath().resolve("abs.ini").toString(),
                            tmp.toRealPath().resolve("rel").toString());
            assertThat(walk.target().path()).isEqualTo(real.toRealPath().toString());
            assertThat(read(walk)).isEqualTo("target");
        }
    }

    @Test
    void loopsMissingFilesAndWrongTypesAreClearErrors() throws IOException {
        Path loop = Files.createSymbolicLink(tmp.resolve("loop.ini"), Path.of("loop.ini"));
        assertThatThrownBy(() -> PathWalk.toFile(loop)).hasMessageContaining("more than 40 symlinks");
        assertThatThrownBy(() -> PathWalk.toFile(tmp.resolve("none.ini"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> PathWalk.toFile(tmp)).hasMessageContaining("not a regular file");
        Path file = Files.writeString(tmp.resolve("f"), "");
        assertThatThrownBy(() -> PathWalk.toFile(file.resolve("x"))).hasMessageContaining(" is not a directory");
        try (PathWalk walk = PathWalk.toDirectory(tmp)) {
            assertThat(walk.fd()).isEqualTo(-1);
            assertThat(walk.target().path()).isEqualTo(tmp.toRealPath().toString());
            assertThat(walk.target().role()).isEqualTo(Role.TARGET);
            assertThat(walk.steps()).filteredOn(s -> s.path().equals(walk.target().path())).hasSize(1);
        }
    }

    /** Reads through the walk's own descriptor, which the walk closes. */
    private static String read(PathWalk walk) throws IOException {
        return new String(new FdInputStream(walk.fd()).readAllBytes(), StandardCharsets.UTF_8);
    }
}
