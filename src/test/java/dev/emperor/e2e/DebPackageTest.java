package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.emperor.e2e.TarballTest.Result;
import java.io.File;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The .deb on the real machine, as CI can run it (systemd is not PID 1 here): dpkg -i, the
 * files and the {@code emperor} user are there, the installed units pass
 * {@code systemd-analyze verify}, the installed unit's ExecStart line run by hand against a
 * datagram listener standing in for systemd says READY=1 with the vassal dropped in
 * /etc/emperor/vassals.d running and STOPPING=1 on SIGTERM, then dpkg -r and -P leave nothing
 * of the package behind. Root only; it touches nothing it did not find absent, and puts the
 * machine back as it found it even when it fails.
 */
class DebPackageTest extends EmperorTestBase {

    private static final Duration SOON = Duration.ofSeconds(60);
    private static final Path RUN_DIR = Path.of("/run/emperor");
    private static final Path STATE_DIR = Path.of("/var/lib/emperor");
    private static final Path UNIT = Path.of("/lib/systemd/system/emperor.service");
    private static final Path TEMPLATE_UNIT = Path.of("/lib/systemd/system/emperor@.service");
    private static final Path USER_UNIT = Path.of("/usr/lib/systemd/user/emperor.service");
    private static final String VASSAL_NAME = "e2e-package-test";
    private static final Path VASSAL = Path.of("/etc/emperor/vassals.d/" + VASSAL_NAME + ".ini");
    /** What the package owns and nothing else on the machine may hold before the test. */
    private static final List<Path> PACKAGE_PATHS = List.of(Path.of("/usr/lib/emperor"), Path.of("/usr/bin/emperor"),
            Path.of("/etc/emperor"), Path.of("/etc/logrotate.d/emperor"), UNIT, TEMPLATE_UNIT, USER_UNIT,
            Path.of("/usr/share/doc/emperor"));

    /** root's PATH, and what systemd gives a unit: dpkg and its scripts need the sbin folders. */
    private static final Map<String, String> ROOT_PATH = Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

    private boolean userExisted;
    private boolean groupExisted;
    private boolean runDirExisted;
    private boolean stateDirExisted;
    private boolean mayClean;
    private NotifyListener systemd;
    private Process emperor;

    @BeforeEach
    void refuseUnlessTheMachineHasNoEmperorOfItsOwn() throws Exception {
        assumeThat(uid()).as("DebPackageTest installs the .deb into /: it runs as root only").isZero();
        assumeThat(Path.of("/usr/bin/dpkg")).as("dpkg is not installed: DebPackageTest skipped").isExecutable();
        assumeThat(packageInstalled()).as("a package named emperor is already installed on this machine; DebPackageTest"
                + " would replace and remove it: skipped (dpkg -P emperor, if it is ours, to run it)").isFalse();
        for (Path p : PACKAGE_PATHS) {
            assumeThat(Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .as("%s exists outside the package; DebPackageTest would remove it: skipped", p).isFalse();
        }
        long livePid = liveEmperorInRunDir();
        assumeThat(livePid).as("an emperor (pid %d) runs with %s; DebPackageTest would share its run dir: skipped",
                livePid, RUN_DIR).isZero();
        userExisted = run(List.of("getent", "passwd", "emperor")).code() == 0;
        groupExisted = run(List.of("getent", "group", "emperor")).code() == 0;
        runDirExisted = Files.exists(RUN_DIR);
        stateDirExisted = Files.exists(STATE_DIR);
        mayClean = true;
    }

    @AfterEach
    void leaveTheMachineAsFound() throws Exception {
        if (emperor != null && emperor.isAlive()) {
            emperor.destroyForcibly(); // by its pid; the base class kills the workers by marker
            emperor.waitFor(30, TimeUnit.SECONDS);
        }
        if (systemd != null) systemd.close();
        if (!mayClean) return;
        Files.deleteIfExists(VASSAL);
        if (packageInstalled()) run(List.of("dpkg", "--purge", "emperor"));
        if (!userExisted && run(List.of("getent", "passwd", "emperor")).code() == 0) run(List.of("userdel", "emperor"));
        if (!groupExisted && run(List.of("getent", "group", "emperor")).code() == 0) run(List.of("groupdel", "emperor"));
        if (runDirExisted) {
            Files.deleteIfExists(RUN_DIR.resolve("logs").resolve(VASSAL_NAME + ".log"));
        } else {
            deleteTree(RUN_DIR);
        }
        if (!stateDirExisted) deleteTree(STATE_DIR);
    }

    @Test
    void installsRunsAsItsUnitSaysAndRemovesCleanly() throws Exception {
        Result install = run(List.of("dpkg", "-i", deb().toString()));
        assertThat(install.code()).as("dpkg -i:\n%s", install.out()).isZero();

        // the files where the units and the operator expect them
        Path launcher = Path.of("/usr/bin/emperor");
        assertThat(launcher).isSymbolicLink();
        assertThat(launcher.toRealPath()).isEqualTo(Path.of("/usr/lib/emperor/bin/emperor"));
        assertThat(launcher.toRealPath()).isExecutable();
        assertThat(Path.of("/usr/lib/emperor/runtime/bin/java")).isExecutable();
        assertThat(Path.of("/usr/lib/emperor/lib/emperor.jar")).isRegularFile();
        assertThat(Path.of("/usr/lib/emperor/lib/agent-bridge.jar")).isRegularFile();
        assertThat(List.of(UNIT, TEMPLATE_UNIT, USER_UNIT, Path.of("/etc/logrotate.d/emperor"),
                Path.of("/usr/share/doc/emperor/service.md"), Path.of("/usr/share/doc/emperor/security.md")))
                .allMatch(Files::isRegularFile);
        String settings = Files.readString(Path.of("/etc/emperor/emperor.ini"));
        assertThat(settings).containsPattern("(?m)^emperor = /etc/emperor/vassals.d$")
                .containsPattern("(?m)^strict = true$").containsPattern("(?m)^tyrant = false$");
        Path vassalsDir = Path.of("/etc/emperor/vassals.d");
        assertThat(vassalsDir).isDirectory();
        assertThat(Files.getOwner(vassalsDir).getName()).isEqualTo("root");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(vassalsDir))).isEqualTo("rwxr-xr-x");
        Result conffiles = run(List.of("dpkg-query", "-W", "-f=${Conffiles}", "emperor"));
        assertThat(conffiles.out()).contains("/etc/emperor/emperor.ini", "/etc/logrotate.d/emperor");
        Result user = run(List.of("getent", "passwd", "emperor"));
        assertThat(user.code()).as("the emperor user").isZero();
        String[] account = user.out().strip().split(":");
        assertThat(Integer.parseInt(account[2])).as("uid of the system user emperor").isLessThan(1000);
        assertThat(account[6]).isEqualTo("/usr/sbin/nologin");

        if (Files.isExecutable(Path.of("/usr/bin/deb-systemd-helper"))) {
            // enabled as Debian enables its services, systemd running or not (started only if it runs)
            Path wants = Path.of("/etc/systemd/system/multi-user.target.wants/emperor.service");
            assertThat(wants).as("postinst enables the unit").isSymbolicLink();
            assertThat(Files.readSymbolicLink(wants)).isEqualTo(UNIT);
        }

        verifyInstalledUnits();

        // the installed unit's ExecStart, by hand, with a listener for NOTIFY_SOCKET
        List<String> execStart = execStart(UNIT);
        assertThat(Path.of(execStart.getFirst())).as("ExecStart of %s", UNIT).isExecutable();
        Files.writeString(VASSAL, "[vassal]\ncommand = sleep " + marker + "\nready-after = 0.2\n");
        Files.setPosixFilePermissions(VASSAL, PosixFilePermissions.fromString("rw-r--r--"));
        systemd = new NotifyListener(tmp.resolve("notify"));
        Path log = tmp.resolve("emperor.log");
        ProcessBuilder pb = TarballTest.withBareEnvironment(new ProcessBuilder(execStart)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(ROOT_PATH);
        pb.environment().put("NOTIFY_SOCKET", systemd.path().toString());
        emperor = pb.start();
        await("READY=1 from the installed emperor").atMost(SOON).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!emperor.isAlive()) {
                throw new IllegalStateException("emperor exited with " + emperor.exitValue() + ":\n" + EmperorProcess.read(log));
            }
            return systemd.received().stream().anyMatch(m -> m.lines().anyMatch("READY=1"::equals));
        });
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(emperor.pid()), "exe")))
                .as("the unit's main process is the bundled java").startsWith(Path.of("/usr/lib/emperor/runtime"));
        assertThat(Processes.withMarker(marker)).as("the vassal's worker once READY=1 is sent").hasSize(1);
        long worker = Processes.withMarker(marker).getFirst().pid();

        // `emperor status` with no flags finds the service's emperor
        Pattern running = Pattern.compile("(?m)^" + VASSAL_NAME + " +running ");
        Result[] status = new Result[1];
        await("emperor status shows the vassal running").atMost(SOON).pollInterval(Duration.ofMillis(200)).until(() -> {
            status[0] = run(List.of("emperor", "status"));
            return status[0].code() == 0 && running.matcher(status[0].out()).find();
        });

        // the installed unit's ExecReload, as `systemctl reload` runs it: RELOADING=1, then READY=1
        int beforeReload = systemd.received().size();
        Result reload = run(execLine(UNIT, "ExecReload="));
        assertThat(reload.code()).as("ExecReload:\n%s", reload.out()).isZero();
        systemd.awaitAfter(beforeReload, "RELOADING=1", SOON);
        systemd.awaitAfter(beforeReload, "READY=1", SOON);
        assertThat(Processes.alive(worker)).as("an unchanged vassal keeps its worker across a reload").isTrue();

        int before = systemd.received().size();
        emperor.destroy();
        systemd.awaitAfter(before, "STOPPING=1", SOON);
        assertThat(emperor.waitFor(60, TimeUnit.SECONDS)).as("emperor exits after SIGTERM").isTrue();
        assertThat(emperor.exitValue()).as(EmperorProcess.read(log)).isZero();
        await("worker gone").atMost(SOON).until(() -> !Processes.alive(worker));
        Files.delete(VASSAL);

        // dpkg -r keeps the conffiles only; dpkg -P takes them too
        Result remove = run(List.of("dpkg", "-r", "emperor"));
        assertThat(remove.code()).as("dpkg -r:\n%s", remove.out()).isZero();
        assertThat(List.of(Path.of("/usr/lib/emperor"), launcher, UNIT, TEMPLATE_UNIT, USER_UNIT))
                .noneMatch(p -> Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertThat(Path.of("/etc/emperor/emperor.ini")).as("a conffile outlives dpkg -r").isRegularFile();
        Result purge = run(List.of("dpkg", "-P", "emperor"));
        assertThat(purge.code()).as("dpkg -P:\n%s", purge.out()).isZero();
        assertThat(PACKAGE_PATHS).noneMatch(p -> Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertThat(Path.of("/etc/systemd/system/multi-user.target.wants/emperor.service")).doesNotExist();
        assertThat(Path.of("/etc/systemd/system/emperor.service")).doesNotExist();
        assertThat(packageInstalled()).isFalse();
        assertThat(processesRunningFrom(Path.of("/usr/lib/emperor"))).as("processes left running from the package").isEmpty();
        assertThat(Processes.withMarker(marker)).isEmpty();
    }

    /** systemd-analyze verify on the units as installed (it refuses an ExecStart that does not exist). */
    private void verifyInstalledUnits() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assumeThat(analyze).as("systemd-analyze is not installed (.ci/run installs systemd)").isExecutable();
        Result system = run(List.of(analyze.toString(), "verify", UNIT.toString(), TEMPLATE_UNIT.toString()));
        assertThat(system.code()).as(system.out()).isZero();
        assertThat(system.out()).as("systemd-analyze verify").doesNotContain("emperor");
        Path xdg = Files.createDirectories(tmp.resolve("xdg"));
        Result user = run(List.of(analyze.toString(), "--user", "verify", USER_UNIT.toString()),
                Map.of("XDG_RUNTIME_DIR", xdg.toString(), "PATH", ROOT_PATH.get("PATH")));
        assertThat(user.code()).as(user.out()).isZero();
        assertThat(user.out()).as("systemd-analyze --user verify").doesNotContain("emperor");
    }

    /** The unit's ExecStart= command line (ours has no quoting or prefixes). */
    static List<String> execStart(Path unit) throws IOException {
        return execLine(unit, "ExecStart=");
    }

    /** One Exec...= command line of the unit (ours have no quoting or prefixes). */
    static List<String> execLine(Path unit, String key) throws IOException {
        List<String> lines = Files.readAllLines(unit).stream().map(String::strip).filter(l -> l.startsWith(key))
                .toList();
        assertThat(lines).as("%s lines of %s", key, unit).hasSize(1);
        return new ArrayList<>(Arrays.asList(lines.getFirst().substring(key.length()).strip().split("\\s+")));
    }

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        return TarballTest.run(cmd, ROOT_PATH);
    }

    private static Result run(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
        return TarballTest.run(cmd, env);
    }

    private static Path deb() throws IOException {
        Path target = TarballTest.distTarget();
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().matches("emperor_.*_amd64\\.deb")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no emperor_*_amd64.deb in " + target
                            + "; run 'mvn verify' from the root"));
        }
    }

    private static boolean packageInstalled() throws Exception {
        Result r = run(List.of("dpkg-query", "-W", "-f=${db:Status-Status}", "emperor"));
        return r.code() == 0 && !r.out().strip().equals("not-installed") && !r.out().isBlank();
    }

    /** The pid in /run/emperor/emperor.pid when that process lives, else 0. */
    private static long liveEmperorInRunDir() throws IOException {
        Path pidFile = RUN_DIR.resolve("emperor.pid");
        if (!Files.isRegularFile(pidFile)) return 0;
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            return Processes.alive(pid) ? pid : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static List<Long> processesRunningFrom(Path dir) {
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                return Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "exe")).startsWith(dir);
            } catch (IOException | UnsupportedOperationException e) {
                return false; // gone, or a kernel thread
            }
        }).map(ProcessHandle::pid).toList();
    }

    private static long uid() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                .map(l -> Long.parseLong(l.split("\\s+")[1])).findFirst().orElseThrow();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
