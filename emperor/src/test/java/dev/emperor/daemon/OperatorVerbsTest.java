package dev.emperor.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emperor.config.ConfigLoader;
import dev.emperor.config.OptionModel;
import dev.emperor.config.OptionValue;
import dev.emperor.config.Origin;
import dev.emperor.monitor.VassalSource;
import dev.emperor.trust.FileTrust;
import dev.emperor.vassal.Throttle;
import dev.emperor.vassal.Vassal;
import dev.emperor.vassal.VassalDefaults;
import dev.emperor.vassal.VassalEvent;
import dev.emperor.vassal.VassalState;
import dev.emperor.vassal.VassalStatus;
import dev.emperor.vassal.process.ExitStatus;
import dev.emperor.vassal.process.Posix;
import dev.emperor.vassal.process.Signal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code emperor stop|start NAME} and the reload of the emperor's settings, against real
 * files, a fake host (no processes) and a state dir in a temp dir: what the reconciler does
 * with a stopped name at each scan, what survives a restart, and which vassals new defaults
 * reload.
 */
class OperatorVerbsTest {

    static {
        java.util.logging.Logger.getLogger("emperor").setLevel(java.util.logging.Level.OFF);
        java.util.logging.Logger.getLogger("emperor.vassal").setLevel(java.util.logging.Level.OFF);
    }

    @TempDir
    Path root;
    Path dir;
    Path other;
    Path stateDir;
    final FakeVassalHost host = new FakeVassalHost();
    final long uid = Integer.toUnsignedLong(Posix.effectiveUid());
    OperatorStops stops;
    Reconciler reconciler;
    OperatorVerbs verbs;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createDirectory(root.resolve("vassals.d"));
        other = Files.createDirectory(root.resolve("other.d"));
        stateDir = root.resolve("state").resolve("emperor");
        startEmperor();
    }

    /** A fresh emperor's reconciler on the same directory and state dir, as after a restart. */
    void startEmperor() {
        stops = new OperatorStops(new StoppedVassals(stateDir, uid));
        stops.load();
        VassalDefaults defaults = new VassalDefaults(Throttle.DEFAULT, Duration.ofSeconds(30), Optional.empty(),
                root.resolve("logs"));
        FdBudget budget = new FdBudget(new FdBudget.Probe() {
            @Override
            public int inUse() {
                return 40;
            }

            @Override
            public long limit() {
                return 1 << 16;
            }
        });
        reconciler = new Reconciler(List.of(VassalSource.parse(dir.toString())), new ConfigLoader(Map.of()),
                new FileTrust(false, false, 0), new OptionModel(List.of()), host, () -> defaults, budget,
                (delay, event) -> { }, () -> host.wall, d -> { }, stops);
        verbs = new OperatorVerbs(reconciler, stops);
        host.onStopped = v -> { // what Emperor.vassalStopped does, then the scan it queues
            stops.forgotten(v.status());
            reconciler.forget(v);
        };
    }

    Path write(Path in, String file, String body) throws IOException {
        return Files.writeString(in.resolve(file), "[vassal]\n" + body + "\n");
    }

    VassalStatus status(String name) {
        return reconciler.statuses().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no vassal " + name + " in " + reconciler.statuses()));
    }

    long pid(String name) {
        return status(name).workers().get(0).pid();
    }

    void workersExit(String name) {
        Vassal v = reconciler.all().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        for (var w : v.status().workers()) {
            if (w.pid() != null) v.handle(new VassalEvent.WorkerExited(w.id(), w.pid(), ExitStatus.killedBy(15)));
        }
    }

    @Test
    void aStoppedVassalStaysStoppedWhateverHappensToItsFileUntilStarted() throws IOException {
        Path file = write(dir, "web.ini", "command = sleep 100");
        reconciler.scan();
        long pid = pid("web");

        String reply = verbs.stop("web");

        assertThat(reply).startsWith("stopping web (1 worker(s)); it stays stopped").contains("emperor start web");
        assertThat(host.signalsTo(pid)).containsExactly(Signal.TERM); // its stop signal: graceful
        workersExit("web");
        reconciler.scan();
        assertThat(status("web").state()).isEqualTo(VassalState.STOPPED);
        assertThat(status("web").error()).startsWith("stopped by an operator");
        assertThat(status("web").config()).isEqualTo(file);

        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5_000)); // touch
        reconciler.scan();
        write(dir, "web.ini", "command = sleep 200"); // edit
        reconciler.scan();
        Files.delete(file); // remove ...
        reconciler.scan();
        assertThat(status("web").error()).contains("is gone").contains("added later stays stopped");
        write(dir, "web.ini", "command = sleep 300"); // ... and drop again
        reconciler.scan();
        assertThat(host.launches).hasSize(1);
        assertThat(status("web").state()).isEqualTo(VassalState.STOPPED);
        assertThat(verbs.stop("web")).isEqualTo("web is already stopped by an operator; 'emperor start web' starts it");
        assertThat(verbs.restart("web")).isEqualTo("error: vassal web is stopped by an operator; 'emperor start web'"
                + " starts it");

        assertThat(verbs.start("web")).isEqualTo("starting web");

        assertThat(host.launches).hasSize(2);
        assertThat(host.launches.get(1).spec().argv()).containsExactly("sleep", "300");
        assertThat(status("web").state()).isEqualTo(VassalState.STARTING);
        assertThat(verbs.start("web")).isEqualTo("web is not stopped (starting); nothing to start");
    }

    @Test
    void theStoppedSetSurvivesARestartInAPrivateStateDir() throws IOException {
        write(dir, "web.ini", "command = sleep 100");
        write(dir, "api.ini", "command = sleep 100");
        reconciler.scan();
        verbs.stop("web");
        workersExit("web");

        assertThat(Files.readAllLines(stateDir.resolve(StoppedVassals.FILE))).contains("web").doesNotContain("api");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir.resolve(StoppedVassals.FILE))))
                .isEqualTo("rw-------");

        int launches = host.launches.size();
        startEmperor(); // a new emperor, same state dir
        reconciler.scan();

        assertThat(host.launches.subList(launches, host.launches.size())).extracting(FakeVassalHost.Launch::vassal)
                .containsExactly("api");
        assertThat(status("web").state()).isEqualTo(VassalState.STOPPED);

        verbs.start("web");
        startEmperor();
        reconciler.scan();
        assertThat(status("web").state()).isEqualTo(VassalState.STARTING);
    }

    @Test
    void unknownNamesAreErrors() throws IOException {
        write(dir, "web.ini", "command = sleep 100");
        reconciler.scan();

        assertThat(verbs.stop("nope")).isEqualTo("error: no vassal named 'nope'");
        assertThat(verbs.start("nope")).isEqualTo("error: no vassal named 'nope'");
        assertThat(verbs.stop("../etc")).isEqualTo("error: no vassal named '../etc'");
        assertThat(verbs.restart("nope")).isEqualTo("error: no vassal named 'nope'");
        assertThat(stops.names()).isEmpty();
        assertThat(Files.exists(stateDir)).as("nothing written for nothing stopped").isFalse();
    }

    @Test
    void anInvalidVassalCanBeStoppedToo() throws IOException {
        write(dir, "broken.ini", "processes = 2"); // no command
        reconciler.scan();
        assertThat(status("broken").state()).isEqualTo(VassalState.INVALID);

        assertThat(verbs.stop("broken")).startsWith("stopping broken; it stays stopped");
        reconciler.scan();

        assertThat(status("broken").state()).isEqualTo(VassalState.STOPPED);
    }

    @Test
    void aBrokenOrUnsafeStateDirIsAWarningNotACrash() throws IOException {
        Files.createDirectories(stateDir);
        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(stateDir.resolve(StoppedVassals.FILE), "# header\nweb\n../evil\n\u0001x\napi\n");
        startEmperor();
        assertThat(stops.names()).containsExactly("api", "web"); // the lines that are names

        Files.writeString(stateDir.resolve(StoppedVassals.FILE), "x\n".repeat(StoppedVassals.MAX_BYTES));
        startEmperor();
        assertThat(stops.names()).isEmpty(); // too big: ignored whole

        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(stateDir.resolve(StoppedVassals.FILE), "web\n");
        startEmperor();
        assertThat(stops.names()).as("a state dir others may write is not trusted").isEmpty();
        write(dir, "web.ini", "command = sleep 100");
        reconciler.scan();
        assertThat(verbs.stop("web")).contains("warning: cannot write").contains("writable by group or others");
        assertThat(stops.contains("web")).as("remembered in memory anyway").isTrue();
    }

    @Test
    void aStateDirThatIsASymlinkIsRefused() throws IOException {
        Path elsewhere = Files.createDirectory(root.resolve("elsewhere"));
        Files.createDirectories(stateDir.getParent());
        Files.createSymbolicLink(stateDir, elsewhere);
        write(dir, "web.ini", "command = sleep 100");
        reconciler.scan();

        assertThat(verbs.stop("web")).contains("warning:").contains("symbolic link");
        assertThat(elsewhere).isEmptyDirectory();
    }

    @Test
    void stateDirDefaultsFollowSystemdThenTheUser() {
        assertThat(StateDir.locate(Optional.of(Path.of("/srv/state")), Map.of("STATE_DIRECTORY", "/x"), 0))
                .isEqualTo(Path.of("/srv/state"));
        assertThat(StateDir.locate(Optional.empty(), Map.of("STATE_DIRECTORY", "/var/lib/emperor:/var/lib/b"), 0))
                .isEqualTo(Path.of("/var/lib/emperor"));
        assertThat(StateDir.locate(Optional.empty(), Map.of(), 0)).isEqualTo(Path.of("/var/lib/emperor"));
        assertThat(StateDir.locate(Optional.empty(), Map.of("XDG_STATE_HOME", "/home/a/.st", "HOME", "/home/a"), 1000))
                .isEqualTo(Path.of("/home/a/.st/emperor"));
        assertThat(StateDir.locate(Optional.empty(), Map.of("HOME", "/home/a"), 1000))
                .isEqualTo(Path.of("/home/a/.local/state/emperor"));
    }

    // ---- a reload of the emperor's settings -------------------------------------------------------

    @Test
    void newDefaultsReloadExactlyTheVassalsWhoseEffectiveSettingsChange() throws IOException {
        write(dir, "own.ini", "command = sleep 100\nprocesses = 3"); // sets processes itself
        write(dir, "plain.ini", "command = sleep 100");
        reconciler.scan();
        List<Long> own = host.pidsOf("own");
        long plain = pid("plain");

        OptionModel inherited = new OptionModel(List.of(new OptionValue("vassal-set", "processes=2",
                Origin.of(root.resolve("emperor.ini")))));
        reconciler.reconfigure(List.of(VassalSource.parse(dir.toString())), new FileTrust(false, false, 0), inherited);
        reconciler.scan();
        List<String> reloading = reconciler.rereadAll();

        assertThat(reloading).containsExactly("plain");
        assertThat(host.signalsTo(plain)).containsExactly(Signal.TERM);
        own.forEach(p -> assertThat(host.signalsTo(p)).isEmpty());
        assertThat(status("plain").state()).isEqualTo(VassalState.RELOADING);
        workersExit("plain");
        assertThat(host.pidsOf("plain")).hasSize(3); // the old one and two new

        assertThat(reconciler.rereadAll()).as("the same settings again change nothing").isEmpty();
    }

    @Test
    void aDirectoryNoLongerWatchedStopsItsVassalsAndANewOneStartsTheirs() throws IOException {
        write(dir, "web.ini", "command = sleep 100");
        write(other, "api.ini", "command = sleep 100");
        reconciler.scan();
        long web = pid("web");

        reconciler.reconfigure(List.of(VassalSource.parse(other.toString())), new FileTrust(false, false, 0),
                new OptionModel(List.of()));
        reconciler.scan();

        assertThat(host.signalsTo(web)).containsExactly(Signal.TERM);
        assertThat(status("api").state()).isEqualTo(VassalState.STARTING);
        workersExit("web");
        assertThat(reconciler.statuses()).extracting(VassalStatus::name).containsExactly("api");
        assertThat(reconciler.directories()).extracting(d -> d.path()).containsExactly(other);
    }

    @Test
    void settingsThatCannotChangeLiveAreKeptWithAWarning() {
        EmperorSettings old = settings(root.resolve("run"), dir, Duration.ofSeconds(10));
        EmperorSettings next = settings(root.resolve("run2"), other, Duration.ofSeconds(3));

        SettingsChange c = SettingsChange.between(old, next, List.of("/etc/emperor/emperor.ini"));

        assertThat(c.warnings()).containsExactly("run-dir changed in /etc/emperor/emperor.ini (" + root.resolve("run")
                + " -> " + root.resolve("run2") + "); restart the emperor to apply it");
        assertThat(c.applied().runDir()).isEqualTo(root.resolve("run"));
        assertThat(c.applied().rescanInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.added()).containsExactly(other);
        assertThat(c.removed()).containsExactly(dir);
        assertThat(c.summary()).isEqualTo("now watching " + other + "; no longer watching " + dir + " (its vassals stop)");
    }

    @Test
    void dashboardActionsCanBeTurnedOffByAReloadButOnlyOnAtARestart() {
        Path dir = root.resolve("vassals");
        EmperorSettings off = settings(root.resolve("run"), dir, Duration.ofSeconds(10));
        EmperorSettings on = new EmperorSettings(off.sources(), off.runDir(), off.throttle(), off.rescanInterval(),
                off.stats(), off.requiredHeartbeat(), off.vassalDefaults(), off.trust(), off.stateDir(), true);

        SettingsChange turnedOff = SettingsChange.between(on, off, List.of("e.ini"));
        assertThat(turnedOff.applied().statsActions()).as("off at once").isFalse();
        assertThat(turnedOff.warnings()).isEmpty();

        SettingsChange turnedOn = SettingsChange.between(off, on, List.of("e.ini"));
        assertThat(turnedOn.applied().statsActions()).as("kept off until a restart").isFalse();
        assertThat(turnedOn.warnings()).containsExactly(
                "stats-actions changed in e.ini (false -> true); restart the emperor to apply it");
    }

    @Test
    void settingsThatDoNotReadChangeNothingAndTheAnswerSaysWhy() throws IOException {
        write(dir, "web.ini", "command = sleep 100");
        reconciler.scan();
        long web = pid("web");
        List<EmperorSettings> adopted = new java.util.ArrayList<>();
        SettingsReloader reloader = new SettingsReloader(() -> new SettingsSource.Broken(List.of(
                "/etc/emperor/emperor.ini:3: throttle: expected a number, found 'soon'")), noService(), reconciler);

        String reply = reloader.reload(settings(root.resolve("run"), dir, Duration.ofSeconds(10)), adopted::add);

        assertThat(reply).isEqualTo("error: the emperor's settings were not reloaded; everything keeps running as it"
                + " is:\n/etc/emperor/emperor.ini:3: throttle: expected a number, found 'soon'");
        assertThat(adopted).isEmpty();
        assertThat(host.signalsTo(web)).isEmpty();
    }

    @Test
    void aReloadAppliesWhatCanChangeAndWarnsAboutTheRest() throws IOException {
        write(dir, "web.ini", "command = sleep 100");
        reconciler.scan();
        long web = pid("web");
        EmperorSettings now = settings(root.resolve("run"), dir, Duration.ofSeconds(10));
        EmperorSettings read = settings(root.resolve("elsewhere"), dir, Duration.ofSeconds(2));
        List<EmperorSettings> adopted = new java.util.ArrayList<>();
        SettingsReloader reloader = new SettingsReloader(() -> new SettingsSource.Read(read, List.of("emperor.ini"),
                List.of()), noService(), reconciler);

        String reply = reloader.reload(now, adopted::add);

        assertThat(reply).isEqualTo("reloaded the emperor's settings from emperor.ini; no vassal's effective settings"
                + " changed\nwarning: run-dir changed in emperor.ini (" + root.resolve("run") + " -> "
                + root.resolve("elsewhere") + "); restart the emperor to apply it");
        assertThat(adopted).singleElement().satisfies(s -> {
            assertThat(s.runDir()).isEqualTo(root.resolve("run"));
            assertThat(s.rescanInterval()).isEqualTo(Duration.ofSeconds(2));
        });
        assertThat(host.signalsTo(web)).isEmpty();
    }

    private static dev.emperor.service.ServiceManager noService() {
        return dev.emperor.service.ServiceManager.fromEnvironment(Map.of(), 1, (delay, task) -> { }, List::of);
    }

    private EmperorSettings settings(Path runDir, Path vassals, Duration rescan) {
        return new EmperorSettings(List.of(VassalSource.parse(vassals.toString())), runDir, Throttle.DEFAULT, rescan,
                Optional.empty(), Duration.ofSeconds(30), new OptionModel(List.of()), new FileTrust(false, false, 0),
                stateDir, false);
    }
}
