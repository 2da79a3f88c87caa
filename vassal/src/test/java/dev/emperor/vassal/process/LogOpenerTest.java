package dev.emperor.vassal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant attacks the logs a root emperor writes for her vassal: symlinks to root's files,
 * swapped at start, at rotation, in directories she controls. Root's files stay untouched and
 * the log's error says why.
 */
class LogOpenerTest {

    @TempDir
    Path tmp;

    private SpawnerImage image;
    private LogOpener opener;

    @BeforeEach
    void start() throws Exception {
        image = SpawnerImage.load(tmp);
        opener = new LogOpener(image);
    }

    @AfterEach
    void stop() {
        opener.close();
        image.close();
    }

    private static void write(LogTarget t, String line) {
        t.write((line + "\n").getBytes(StandardCharsets.UTF_8), 1);
    }

    @Test
    void aTenantsLogIsCreatedAsTheTenant() throws Exception {
        try (SystemUser tenant = SystemUser.create()) {
            Path home = Files.createDirectories(tmp.resolve("tenant"));
            SystemUser.openForOthers(home);
            tenant.owns(home);
            LogTarget t = new LogTarget(home.resolve("logs/app.log"), 0, 1);
            t.bind(opener, tenant.owner());
            write(t, "hello");
            assertThat(t.error()).isNull();
            assertThat(Files.readString(t.file())).isEqualTo("hello\n");
            assertThat(((Number) Files.getAttribute(t.file(), "unix:uid")).intValue()).isEqualTo(tenant.uid());
            assertThat(((Number) Files.getAttribute(t.file().getParent(), "unix:uid")).intValue()).isEqualTo(tenant.uid());
            t.closeQuietly();
        }
    }

    @Test
    void aSymlinkToRootsFileIsNeverFollowedAtOpenOrRotation() throws Exception {
        try (SystemUser tenant = SystemUser.create()) {
            Path rootFile = Files.writeString(tmp.resolve("root-profile"), "root's\n");
            Path home = Files.createDirectories(tmp.resolve("tenant"));
            SystemUser.openForOthers(home);
            tenant.owns(home);
            Path log = home.resolve("app.log");

            // At start: the tenant put a symlink where her log goes.
            Files.createSymbolicLink(log, rootFile);
            LogTarget t = new LogTarget(log, 40, 3);
            t.bind(opener, tenant.owner());
            write(t, "[worker 1] ; touch /tmp/pwned; #");
            assertThat(Files.readString(rootFile)).isEqualTo("root's\n");
            assertThat(t.error()).contains(log.toString()).contains("symbolic link");
            assertThat(t.droppedLines()).isEqualTo(1);

            // While running: the log is open, the tenant swaps it for a symlink; rotation moves
            // the link away (renaming never follows it) and opens a fresh file as the tenant.
            Files.delete(log);
            LogTarget u = new LogTarget(log, 40, 3);
            u.bind(opener, tenant.owner());
            write(u, "first line, fine");
            assertThat(u.error()).isNull();
            Files.delete(log);
            Files.createSymbolicLink(log, rootFile);
            write(u, "second line, longer than what is left");
            assertThat(u.rotations()).isEqualTo(1);
            assertThat(Files.readString(rootFile)).isEqualTo("root's\n");
            assertThat(Files.isSymbolicLink(Path.of(log + ".1"))).isTrue();
            assertThat(Files.isSymbolicLink(log)).isFalse();
            assertThat(Files.readString(log)).isEqualTo("second line, longer than what is left\n");
            u.closeQuietly();
        }
    }

    @Test
    void aRootVassalsLogIsRefusedInADirectoryAnotherUserControls() throws Exception {
        try (SystemUser tenant = SystemUser.create()) {
            Path home = Files.createDirectories(tmp.resolve("tenant"));
            SystemUser.openForOthers(home);
            tenant.owns(home);
            LogTarget t = new LogTarget(home.resolve("root-app.log"), 0, 1);
            t.bind(opener, LogOpener.Owner.EMPEROR);
            write(t, "hello");
            assertThat(t.error()).contains("owned by uid " + tenant.uid());
            assertThat(home.resolve("root-app.log")).doesNotExist();
        }
    }

    @Test
    void aDirectoryWritableByEveryoneIsRefusedUnlessSticky() throws Exception {
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        LogTarget t = new LogTarget(open.resolve("app.log"), 0, 1);
        t.bind(opener, LogOpener.Owner.EMPEROR);
        write(t, "hello");
        assertThat(t.error()).contains("writable by group or others");
        assertThat(open.resolve("app.log")).doesNotExist();
    }
}
