package dev.emperor.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emperor.config.ConfigLoader;
import dev.emperor.config.OptionModel;
import dev.emperor.monitor.DirectoryStatus;
import dev.emperor.monitor.VassalSource;
import dev.emperor.vassal.Throttle;
import dev.emperor.vassal.Vassal;
import dev.emperor.vassal.VassalDefaults;
import dev.emperor.vassal.VassalEvent;
import dev.emperor.vassal.VassalState;
import dev.emperor.vassal.VassalStatus;
import dev.emperor.vassal.process.ExitStatus;
import dev.emperor.vassal.process.Signal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files to vassals against real files in a temp dir, a fake host (no processes) and a fake
 * clock and scheduler: each test changes the directory, runs one scan as the loop would, and
 * checks what the vassals do.
 */
class ReconcilerTest {

    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("emperor");

    static {
        QUIET.setLevel(java.util.logging.Level.OFF);
        java.util.logging.Logger.getLogger("emperor.vassal").setLevel(java.util.logging.Level.OFF);
    }

    @TempDir
    Path root;
    Path dir;
    /** A second source, listed after {@link #dir} (another tenant's directory, say). */
    Path later;
    final FakeVassalHost host = new FakeVassalHost();
    final List<Scheduled> scheduled = new ArrayList<>();
    /** Descriptors the emperor holds besides its workers'. */
    int fdsInUse = 40;
    long fdLimit = 1024;
    Reconciler reconciler;

    record Scheduled(Duration delay, EmperorEvent event) {
    }

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createDirectory(root.resolve("vassals.d"));
        later = Files.createDirectory(root.resolve("later.d"));
        FdBudget budget = new FdBudget(new FdBudget.Probe() {
            @Override
            public int inUse() { // the emperor's own, and three per live worker (pidfd, pipe, log)
                long workers = reconciler == null ? 0 : reconciler.all().stream()
                        .mapToLong(v -> v.status().workers().stream().filter(w -> w.pid() != null).count()).sum();
                return (int) (fdsInUse + 3 * workers);
            }

            @Override
            public long limit() {
                return fdLimit;
            }
        });
        VassalDefaults defaults = new VassalDefaults(Throttle.DEFAULT, Duration.ofSeconds(30), Optional.empty(),
                root.resolve("logs"));
        reconciler = new Reconciler(List.of(VassalSource.parse(dir.toString()), VassalSource.parse(later.toString())),
                new ConfigLoader(Map.of()),
                new dev.emperor.trust.FileTrust(false, false, 0),
                new OptionModel(List.of()), host, () -> defaults, budget,
                (delay, event) -> scheduled.add(new Scheduled(delay, event)), () -> host.wall, d -> { });
        // What the loop does with a VassalStopped event.
        host.onStopped = reconciler::forget;
    }

    // ---- helpers ---------------------------------------------------------------------------

    Path write(String file, String command) throws IOException {
        return Files.writeString(dir.resolve(file), "[vassal]\ncommand = " + command + "\n");
    }

    VassalStatus status(String name) {
        return reconciler.statuses().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no vassal " + name + " in " + reconciler.statuses()));
    }

    List<String> names() {
        return reconciler.statuses().stream().map(VassalStatus::name).toList();
    }

    Vassal vassal(String name) {
        return reconciler.all().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }

    /** Every live worker of {@code name} exits, as the reaper would report it. */
    void workersExit(String name) {
        Vassal v = vassal(name);
        for (var w : v.status().workers()) {
            if (w.pid() != null) v.handle(new VassalEvent.WorkerExited(w.id(), w.pid(), ExitStatus.killedBy(15)));
        }
    }

    long pid(String name) {
        return status(name).workers().get(0).pid();
    }

    // ---- add, change, remove, rename ---------------------------------------------------------

    @Test
    void aNewFileStartsItsVassal() throws IOException {
        write("web.ini", "sleep 100");
        reconciler.scan();

        assertThat(status("web").state()).isEqualTo(VassalState.STARTING);
        assertThat(host.pidsOf("web")).hasSize(1);
        assertThat(host.launches.get(0).spec().argv()).containsExactly("sleep", "100");
    }

    @Test
    void aFileOfTheSameNameInAnEarlierDirectoryDoesNotTakeOverARunningVassal() throws IOException {
        Files.writeString(later.resolve("app.ini"), "[vassal]\ncommand = bobs-app\n");
        reconciler.scan();
        long bobs = pid("app");

        write("app.ini", "alices-app"); // listed first, but the name is taken by a running vassal
        reconciler.scan();
        reconciler.scan();

        assertThat(host.signalsTo(bobs)).isEmpty();
        assertThat(host.launches).hasSize(1);
        assertThat(status("app").config()).isEqualTo(later.resolve("app.ini"));
    }

    @Test
    void anUnchangedFileIsLeftAlone() throws IOException {
        write("web.ini", "sleep 100");
        reconciler.scan();
        reconciler.scan();
        reconciler.scan();

        assertThat(host.launches).hasSize(1);
        assertThat(host.signals).isEmpty();
    }

    @Test
    void aChmodIsAChangeSoTheFileIsJudgedAgain() throws IOException {
        Path file = write("web.ini", "sleep 100");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        reconciler.scan();
        long old = pid("web");
        FileTime mtime = Files.getLastModifiedTime(file);

        // Same content, same time: only who may write it changed (ctime, not mtime).
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setLastModifiedTime(file, mtime);
        reconciler.scan();

        assertThat(host.signalsTo(old)).containsExactly(Signal.TERM);
    }

    @Test
    void aChangedFileReloadsItsVassal() throws IOException {
        Path file = write("web.ini", "sleep 100");
        reconciler.scan();
        long old = pid("web");

        write("web.ini", "sleep 200");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        reconciler.scan();

        assertThat(host.signalsTo(old)).containsExactly(Signal.TERM);
        assertThat(status("web").state()).isEqualTo(VassalState.RELOADING);
        workersExit("web");
        assertThat(host.launches.get(host.launches.size() - 1).spec().argv()).containsExactly("sleep", "200");
    }

    @Test
    void aRemovedFileStopsItsVassalAndItIsForgottenOnceStopped() throws IOException {
        Path file = write("web.ini", "sleep 100");
        reconciler.scan();
        long pid = pid("web");

        Files.delete(file);
        reconciler.scan();

        assertThat(host.signalsTo(pid)).containsExactly(Signal.TERM);
        assertThat(status("web").state()).isEqualTo(VassalState.STOPPING);
        assertThat(reconciler.find("web")).isEmpty(); // no longer asked for, though still stopping
        workersExit("web");
        assertThat(names()).isEmpty();
    }

    @Test
    void aRenamedFileStopsTheOldNameAndStartsTheNew() throws IOException {
        Path file = write("web.ini", "sleep 100");
        reconciler.scan();
        long pid = pid("web");

        Files.move(file, dir.resolve("api.ini"));
        reconciler.scan();

        assertThat(host.signalsTo(pid)).containsExactly(Signal.TERM);
        assertThat(status("api").state()).isEqualTo(VassalState.STARTING);
        workersExit("web");
        assertThat(names()).containsExactly("api");
    }

    @Test
    void aFileThatComesBackWhileItsVassalStopsStartsAgainAfterwards() throws IOException {
        Path file = write("web.ini", "sleep 100");
        reconciler.scan();
        Files.delete(file);
        reconciler.scan();
        write("web.ini", "sleep 100");
        reconciler.scan(); // the old instance is still stopping
        assertThat(host.pidsOf("web")).hasSize(1);

        workersExit("web");
        reconciler.scan(); // what the loop does after VassalStopped

        assertThat(host.pidsOf("web")).hasSize(2);
        assertThat(status("web").state()).isEqualTo(VassalState.STARTING);
    }

    // ---- never blind --------------------------------------------------------------------------

    @Test
    void anUnreadableEntryIsThatVassalsErrorAndTheRestIsReconciled() throws IOException {
        Files.createSymbolicLink(dir.resolve("loop.ini"), dir.resolve("loop.ini")); // ELOOP
        write("web.ini", "sleep 100");
        reconciler.scan();

        VassalStatus loop = status("loop");
        assertThat(loop.state()).isEqualTo(VassalState.INVALID);
        assertThat(loop.error()).contains("loop.ini").contains("cannot read").contains("too many levels of symbolic links");
        assertThat(status("web").state()).isEqualTo(VassalState.STARTING);

        write("api.ini", "sleep 100"); // a valid vassal dropped beside it later
        reconciler.scan();
        assertThat(status("api").state()).isEqualTo(VassalState.STARTING);
        assertThat(reconciler.directories()).allMatch(DirectoryStatus::listable);
    }

    @Test
    void aDirectoryThatVanishesKeepsItsVassalsRetriesWithBackoffAndCatchesUpWhenItReturns() throws IOException {
        write("web.ini", "sleep 100");
        write("old.ini", "sleep 100");
        reconciler.scan();
        long webPid = pid("web");
        long oldPid = pid("old");

        Path away = root.resolve("elsewhere");
        Files.move(dir, away);
        host.wall += 1_000;
        reconciler.scan();

        assertThat(host.signals).isEmpty(); // nothing is stopped for a directory it cannot see
        assertThat(status("web").state()).isEqualTo(VassalState.STARTING);
        DirectoryStatus d = reconciler.directories().get(0);
        assertThat(d.listable()).isFalse();
        assertThat(d.error()).isEqualTo("no such file or directory");
        assertThat(d.sinceMs()).isEqualTo(host.wall);
        assertThat(scheduled).containsExactly(new Scheduled(Duration.ofSeconds(1),
                new EmperorEvent.Rescan(EmperorEvent.Rescan.Why.RETRY)));

        // The retry fires and fails again: the next waits longer.
        reconciler.retryDue();
        reconciler.scan();
        assertThat(scheduled.get(1).delay()).isEqualTo(Duration.ofSeconds(2));
        // A periodic scan in between schedules no second timer.
        reconciler.scan();
        assertThat(scheduled).hasSize(2);
        assertThat(Reconciler.retryDelay(10)).isEqualTo(Reconciler.MAX_RETRY);

        // Meanwhile one file went and another came; the directory returns.
        Files.delete(away.resolve("old.ini"));
        Files.writeString(away.resolve("new.ini"), "[vassal]\ncommand = sleep 100\n");
        Files.move(away, dir);
        reconciler.retryDue();
        reconciler.scan();

        assertThat(reconciler.directories().get(0).listable()).isTrue();
        assertThat(host.signalsTo(oldPid)).containsExactly(Signal.TERM);
        assertThat(host.signalsTo(webPid)).isEmpty();
        assertThat(status("new").state()).isEqualTo(VassalState.STARTING);
    }

    // ---- the file descriptor budget -----------------------------------------------------------

    @Test
    void aVassalThatWouldCrossTheFdBudgetWaitsAndStartsWhenDescriptorsAreFree() throws IOException {
        fdLimit = 100; // reserve 32: 68 usable
        fdsInUse = 60; // 8 free: two vassals of one worker (3 each) fit, the third does not
        write("a.ini", "sleep 100");
        write("b.ini", "sleep 100");
        write("c.ini", "sleep 100");
        reconciler.scan();

        assertThat(status("a").state()).isEqualTo(VassalState.STARTING);
        assertThat(status("b").state()).isEqualTo(VassalState.STARTING);
        VassalStatus c = status("c");
        assertThat(c.state()).isEqualTo(VassalState.BACKOFF);
        assertThat(c.error()).isEqualTo("file descriptor limit reached (66 of 100 in use); raise LimitNOFILE");
        assertThat(host.pidsOf("c")).isEmpty();

        // Still no room: it keeps waiting, and nothing is launched for it.
        reconciler.scan();
        assertThat(host.pidsOf("c")).isEmpty();

        // Removing a stops it without needing a descriptor; once its fds are closed, c starts.
        long aPid = pid("a");
        Files.delete(dir.resolve("a.ini"));
        reconciler.scan();
        assertThat(host.signalsTo(aPid)).containsExactly(Signal.TERM);
        workersExit("a");
        reconciler.scan(); // what the loop does after VassalStopped

        assertThat(host.pidsOf("c")).hasSize(1);
        assertThat(status("c").state()).isEqualTo(VassalState.STARTING);
        assertThat(status("c").error()).isNull();
    }

    @Test
    void aWaitingVassalWhoseFileIsRemovedIsForgotten() throws IOException {
        fdLimit = 100;
        fdsInUse = 68;
        write("c.ini", "sleep 100");
        reconciler.scan();
        assertThat(status("c").state()).isEqualTo(VassalState.BACKOFF);

        Files.delete(dir.resolve("c.ini"));
        reconciler.scan();
        assertThat(names()).isEmpty();
    }

    @Test
    void anInvalidFileNeedsNoDescriptorsAndShowsItsError() throws IOException {
        fdLimit = 100;
        fdsInUse = 68;
        Files.writeString(dir.resolve("bad.ini"), "[vassal]\nno-such-option = 1\n");
        reconciler.scan();

        assertThat(status("bad").state()).isEqualTo(VassalState.INVALID);
        assertThat(status("bad").error()).doesNotContain("file descriptor");
    }

    @Test
    void raisingProcessesBeyondTheFdBudgetKeepsTheRunningConfigurationAndAppliesItOnceItFits() throws IOException {
        fdLimit = 100; // reserve 32: 68 usable
        fdsInUse = 40;
        Path file = write("web.ini", "sleep 100");
        reconciler.scan();
        long old = pid("web");

        // 20 workers cost 41 descriptors, 38 more than the one running: 43 + 38 > 68.
        Files.writeString(file, "[vassal]\ncommand = sleep 100\nprocesses = 20\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        reconciler.scan();

        assertThat(host.signalsTo(old)).isEmpty();
        assertThat(host.pidsOf("web")).hasSize(1);
        assertThat(status("web").state()).isEqualTo(VassalState.STARTING);
        assertThat(status("web").error()).startsWith(
                "not reloaded: file descriptor limit reached (43 of 100 in use); raise LimitNOFILE");
        reconciler.scan(); // still no room: still the old configuration
        assertThat(host.signalsTo(old)).isEmpty();

        fdLimit = 1024; // LimitNOFILE raised (or descriptors freed): the next scan applies the change
        reconciler.scan();
        assertThat(host.signalsTo(old)).containsExactly(Signal.TERM);
        workersExit("web");
        assertThat(host.pidsOf("web")).hasSize(21);
        assertThat(status("web").error()).isNull();
    }

    @Test
    void aChangeTheFdBudgetRefusedAndThatIsUndoneLeavesNoErrorBehind() throws IOException {
        fdLimit = 100;
        fdsInUse = 40;
        Path file = write("web.ini", "sleep 100");
        FileTime written = Files.getLastModifiedTime(file);
        reconciler.scan();
        long old = pid("web");
        Files.writeString(file, "[vassal]\ncommand = sleep 100\nprocesses = 20\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        reconciler.scan();
        assertThat(status("web").error()).startsWith("not reloaded: file descriptor limit reached");

        write("web.ini", "sleep 100"); // the operator takes the change back: the version that runs
        Files.setLastModifiedTime(file, written);
        reconciler.scan();

        assertThat(status("web").error()).isNull();
        assertThat(host.signalsTo(old)).isEmpty();
        assertThat(host.pidsOf("web")).hasSize(1);
    }

    @Test
    void anEntryThatWasUnreadableForAWhileAndComesBackAsItWasIsNotReloaded() throws IOException {
        Path file = write("web.ini", "sleep 100");
        reconciler.scan();
        long old = pid("web");

        Path kept = Files.move(file, root.resolve("web.ini.kept"));
        Files.createSymbolicLink(file, file); // ELOOP for a while
        reconciler.scan();
        assertThat(status("web").error()).contains("too many levels of symbolic links");
        assertThat(host.signalsTo(old)).isEmpty(); // the last valid configuration keeps running

        Files.delete(file);
        Files.move(kept, file); // the very same file: inode, size, times, owner
        reconciler.scan();

        assertThat(host.signalsTo(old)).isEmpty();
        assertThat(host.pidsOf("web")).hasSize(1);
        assertThat(status("web").error()).isNull(); // and the error it showed is gone
    }

    // ---- Kubernetes ConfigMap volumes -----------------------------------------------------------

    /** kubelet's atomic writer: a timestamped directory, ..data pointing at it, one symlink per file. */
    Path configMapVersion(String stamp, Map<String, String> files) throws IOException {
        Path version = Files.createDirectory(dir.resolve("..2026_12_02_08_00_" + stamp));
        for (var f : files.entrySet()) {
            Files.writeString(version.resolve(f.getKey()), "[vassal]\ncommand = " + f.getValue() + "\n");
        }
        return version;
    }

    void swapData(Path version) throws IOException {
        Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), version.getFileName());
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aConfigMapSwapReloadsOnlyTheFilesWhoseContentChanged() throws IOException {
        Path v1 = configMapVersion("00.001", Map.of("app.ini", "sleep 100", "other.ini", "sleep 300"));
        swapData(v1);
        Files.createSymbolicLink(dir.resolve("app.ini"), Path.of("..data/app.ini"));
        Files.createSymbolicLink(dir.resolve("other.ini"), Path.of("..data/other.ini"));
        reconciler.scan();
        assertThat(names()).containsExactly("app", "other"); // dot entries are never vassals
        long appPid = pid("app");
        long otherPid = pid("other");

        // An update: a new timestamped directory, ..data renamed over the old link, the old one removed.
        Path v2 = configMapVersion("30.002", Map.of("app.ini", "sleep 200", "other.ini", "sleep 300"));
        swapData(v2);
        try (var old = Files.list(v1)) {
            for (Path p : old.toList()) Files.delete(p);
        }
        Files.delete(v1);
        reconciler.scan();

        assertThat(host.signalsTo(appPid)).containsExactly(Signal.TERM);
        assertThat(status("app").state()).isEqualTo(VassalState.RELOADING);
        assertThat(host.signalsTo(otherPid)).isEmpty();
        assertThat(status("other").workers().get(0).pid()).isEqualTo(otherPid);
        assertThat(host.pidsOf("other")).hasSize(1);

        // The same target touched (a template many vassals link to) is still a change.
        Files.setLastModifiedTime(v2.resolve("other.ini"), FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        reconciler.scan();
        assertThat(host.signalsTo(otherPid)).containsExactly(Signal.TERM);
    }
}
