package dev.emperor.vassal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    /**
     * Root's vassal logs to a directory it will create inside a sticky shared one (1777); the
     * tenant gets there first with a symlink to a directory of root's, directly or behind a
     * symlink of root's. Root's file stays untouched; root's own link there is still followed.
     */
    @Test
    void aTenantsSymlinkInAStickySharedDirectoryIsNotFollowedForRoot() throws Exception {
        try (SystemUser tenant = SystemUser.create()) {
            Path victim = Files.createDirectories(tmp.resolve("victim"));
            Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rwx------"));
            Path rootLog = Files.writeString(victim.resolve("app.log"), "root's\n");
            Files.setPosixFilePermissions(rootLog, PosixFilePermissions.fromString("rw-------"));
            Path shared = Files.createDirectories(tmp.resolve("lab/shared"));
            SystemUser.openForOthers(shared);
            Files.setAttribute(shared, "unix:mode", 01777);

            tenant.runAs("ln", "-s", victim.toString(), shared.resolve("applogs").toString());
            LogTarget direct = new LogTarget(shared.resolve("applogs/app.log"), 0, 1);
            direct.bind(opener, LogOpener.Owner.EMPEROR);
            write(direct, "[worker 1] ; touch /tmp/pwned; #");
            assertThat(direct.error()).contains("symlink " + shared.resolve("applogs")
                    + " in a directory others may write is owned by uid " + tenant.uid());

            // Root's link, pointing at hers: each link on the way is judged, not only the first.
            tenant.runAs("ln", "-s", victim.toString(), shared.resolve("hers").toString());
            Files.createSymbolicLink(shared.resolve("roots"), Path.of("hers"));
            LogTarget chained = new LogTarget(shared.resolve("roots/app.log"), 0, 1);
            chained.bind(opener, LogOpener.Owner.EMPEROR);
            write(chained, "[worker 1] ; touch /tmp/pwned; #");
            assertThat(chained.error()).contains("symlink " + shared.resolve("hers")
                    + " in a directory others may write is owned by uid " + tenant.uid());
            assertThat(Files.readString(rootLog)).isEqualTo("root's\n");

            // Root's own link to root's own directory: followed as before.
            Path own = Files.createDirectories(tmp.resolve("own"));
            Files.createSymbolicLink(shared.resolve("mine"), own);
            LogTarget fine = new LogTarget(shared.resolve("mine/app.log"), 0, 1);
            fine.bind(opener, LogOpener.Owner.EMPEROR);
            write(fine, "hello");
            assertThat(fine.error()).isNull();
            assertThat(Files.readString(own.resolve("app.log"))).isEqualTo("hello\n");
            fine.closeQuietly();
        }
    }

    /**
     * The tenant SIGSTOPs every process of hers, over and over, to catch the log opener's
     * child once it has become hers. That request is answered with an error within about a
     * second, the stopped child is killed, the helper keeps serving (it is not restarted),
     * and nothing of hers is left behind.
     */
    @Test
    void aChildItsUserStopsIsKilledAndTheRequestAnsweredWithinTheDeadline() throws Exception {
        try (SystemUser tenant = SystemUser.create()) {
            Path home = Files.createDirectories(tmp.resolve("tenant"));
            SystemUser.openForOthers(home);
            tenant.owns(home);
            Path log = home.resolve("app.log");
            Posix.closeQuietly(opener.open(log, tenant.owner()));
            int helper = opener.helperPid();

            Process stopper = tenant.startAs("sh", "-c", "while :; do kill -STOP -1; done");
            IOException refused = null;
            long took = 0;
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (refused == null && System.nanoTime() < deadline) {
                    long t0 = System.nanoTime();
                    try {
                        Posix.closeQuietly(opener.open(log, tenant.owner()));
                    } catch (IOException e) {
                        refused = e;
                        took = System.nanoTime() - t0;
                    }
                }
            } finally {
                stopper.destroyForcibly();
                stopper.waitFor(10, TimeUnit.SECONDS);
            }
            assertThat(refused).as("no child was caught stopped in 30 s").isNotNull();
            assertThat(refused.getMessage()).contains("did not answer within 1000 ms").contains("killed");
            assertThat(took).isLessThan(TimeUnit.SECONDS.toNanos(3));
            assertThat(opener.helperPid()).isEqualTo(helper);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(processesOf(tenant.uid())
                    .stream().map(LogOpenerTest::describe).toList()).isEmpty());
            Posix.closeQuietly(opener.open(log, tenant.owner()));
        }
    }

    private static String describe(long pid) {
        try {
            return pid + " " + Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return pid + " (ended)";
        }
    }

    /** Pids of the processes whose real uid is {@code uid}. */
    private static List<Long> processesOf(int uid) {
        return ProcessHandle.allProcesses().map(ProcessHandle::pid).filter(pid -> {
            try {
                return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                        .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals(Integer.toString(uid)));
            } catch (IOException e) {
                return false; // ended meanwhile
            }
        }).toList();
    }
}
