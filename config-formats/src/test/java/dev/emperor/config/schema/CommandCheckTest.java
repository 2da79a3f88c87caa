package dev.emperor.config.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandCheckTest {

    @TempDir
    Path dir;

    @Test
    void aProgramIsFoundOnPathOrByItsPathAsExecvpFindsIt() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path tool = Files.writeString(bin.resolve("tool"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path plain = Files.writeString(bin.resolve("plain"), "data");
        Files.setPosixFilePermissions(plain, PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(CommandCheck.program("tool", dir, bin.toString())).isEmpty();
        assertThat(CommandCheck.program("bin/tool", dir, "")).isEmpty();
        assertThat(CommandCheck.program("nope", dir, bin.toString())).get().asString()
                .isEqualTo("program 'nope' not found (PATH=" + bin + ")");
        assertThat(CommandCheck.program("./bin/nope", dir, "")).get().asString()
                .isEqualTo("program " + bin.resolve("nope") + " does not exist");
        assertThat(CommandCheck.program("bin", dir, dir.toString())).get().asString().contains("not found");
        assertThat(CommandCheck.program("bin/plain", dir, "")).get().asString().contains("is not an executable file");
        assertThat(CommandCheck.program("plain", dir, bin.toString())).get().asString()
                .isEqualTo("program 'plain' is on PATH but not executable (PATH=" + bin + ")");
    }

    @Test
    void theMagicInAShellCommandIsNamedButEscapesAndPlaceholdersAreNot() {
        assertThat(CommandCheck.magicInShellText("date +%T")).containsExactly("%T");
        assertThat(CommandCheck.magicInShellText("date +%Y-%m-%d %Y")).containsExactly("%Y", "%m", "%d");
        assertThat(CommandCheck.magicInShellText("date +%%T; echo %(port) 100%%")).isEmpty();
        assertThat(CommandCheck.magicInShellText("echo 50%")).containsExactly("%");
        assertThat(CommandCheck.shellMagicWarning("command", CommandCheck.magicInShellText("date +%T")))
                .startsWith("command: uWSGI's %-expansion changes this shell command").contains("'%T' is replaced")
                .contains("write %% for a literal %");
    }
}
