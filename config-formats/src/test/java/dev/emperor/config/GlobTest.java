package dev.emperor.config;

import static dev.emperor.config.Files4Test.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** for-glob's glob(): POSIX matching, marks, sorting and the no-match rule. */
class GlobTest {

    @TempDir
    Path dir;

    @Test
    void matchesLikeFnmatch() {
        assertThat(Glob.matches("*.ini", "a.ini")).isTrue();
        assertThat(Glob.matches("*.ini", ".hidden.ini")).isFalse(); // a leading dot must be matched literally
        assertThat(Glob.matches(".*", ".hidden")).isTrue();
        assertThat(Glob.matches("a?c", "abc")).isTrue();
        assertThat(Glob.matches("[a-c]x", "bx")).isTrue();
        assertThat(Glob.matches("[!a-c]x", "bx")).isFalse();
        assertThat(Glob.matches("[^a-c]x", "dx")).isTrue();
        assertThat(Glob.matches("\\*", "*")).isTrue();
        assertThat(Glob.matches("[", "[")).isTrue();
        assertThat(Glob.matches("*a*b*c", "xaybzc")).isTrue();
        assertThat(Glob.matches("*a*b*c", "xaybz")).isFalse();
    }

    @Test
    void aPathologicalPatternIsStillFast() {
        // backtracking over every star would take C(250, 10) steps: this must not hang
        String name = "a".repeat(250);
        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> Glob.matches("*a*a*a*a*a*a*a*a*a*a*b", name))).isFalse();
    }

    @Test
    void expandsRelativeToTheDirectoryMarksFoldersAndSortsByBytes() throws Exception {
        write(dir, "b.ini", "");
        write(dir, "a.ini", "");
        write(dir, "B.ini", "");
        write(dir, ".h.ini", "");
        Files.createDirectories(dir.resolve("sub.ini"));
        write(dir, "sub2/x.txt", "");
        assertThat(Glob.expand("*.ini", dir)).containsExactly("B.ini", "a.ini", "b.ini", "sub.ini/");
        assertThat(Glob.expand("*/x.txt", dir)).containsExactly("sub2/x.txt");
        assertThat(Glob.expand(dir + "/a.*", dir)).containsExactly(dir + "/a.ini");
        assertThat(Glob.expand("nothing-*.x", dir)).containsExactly("nothing-*.x"); // GLOB_NOCHECK
        assertThat(Glob.expand("a.ini", dir)).containsExactly("a.ini");
    }
}
