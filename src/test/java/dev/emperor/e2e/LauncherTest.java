package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * bin/emperor, as an operator runs it: it still builds when a source is newer than the jar
 * (and only then), keeps the daemon's JVM flags for {@code run}, and starts client verbs with a
 * class-data archive next to the jar that no other user can write or plant. Each test runs a
 * copy of the launcher in a project root of its own (the real jar, or none), so the real
 * checkout is never rebuilt; a stand-in {@code mvn} and, where the flags are checked, a
 * stand-in {@code java} record how they were called.
 */
class LauncherTest extends EmperorTestBase {

    private static final Path REAL_ROOT = Path.of(System.getProperty("emperor.root", "../.."));
    private static final String PRIVATE_DIR = "rwxr-xr-x";

    private Path root;
    private Path jar;
    private Path archive;
    private Path fakeBin;
    private Path mvnLog;
    private Path javaLog;
    private String javaHome;

    record Result(int code, String out) {
    }

    @BeforeEach
    void projectRoot() throws IOException {
        root = tmp.resolve("root");
        Path bin = Files.createDirectories(root.resolve("bin"));
        Files.copy(REAL_ROOT.resolve("bin/emperor"), bin.resolve("emperor"));
        Files.setPosixFilePermissions(bin.resolve("emperor"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path target = Files.createDirectories(root.resolve("emperor/target"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(PRIVATE_DIR));
        jar = target.resolve("emperor.jar");
        archive = target.resolve("emperor-cli.jsa");
        Files.copy(EmperorProcess.jar(), jar);
        Files.writeString(Files.createDirectories(root.resolve("emperor/src/main/java")).resolve("A.java"), "class A {}\n");
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Files.createDirectories(root.resolve("src/test/java"));
        // sources older than the jar: nothing to build
        age(root.resolve("pom.xml"), 3600);
        age(root.resolve("emperor/src/main/java/A.java"), 3600);
        age(root.resolve("emperor/src/main/java"), 3600); // a directory's mtime counts too: a source removed
        age(jar, 60);

        fakeBin = Files.createDirectories(tmp.resolve("fake-bin"));
        mvnLog = tmp.resolve("mvn.log");
        executable(fakeBin.resolve("mvn"), "#!/bin/sh\necho \"$PWD $*\" >> '" + mvnLog + "'\ntouch emperor/target/emperor.jar\n");
    }

    @Test
    void aSourceNewerThanTheJarIsBuiltOnceAndOnlySourcesCount() throws Exception {
        useFakeJava();
        assertThat(launcher("status").code()).isZero();
        assertThat(mvnCalls()).as("every source is older than the jar").isEmpty();

        Files.writeString(Files.createDirectories(root.resolve("emperor/target/classes")).resolve("A.class"), "x");
        Files.writeString(root.resolve("src/test/java/T.java"), "class T {}\n");
        assertThat(launcher("status").code()).isZero();
        assertThat(mvnCalls()).as("build output and the end-to-end tests are not sources").isEmpty();

        Files.writeString(root.resolve("emperor/src/main/java/A.java"), "class A { int edited; }\n");
        assertThat(launcher("status").code()).isZero();
        assertThat(mvnCalls()).as("an edited source").hasSize(1).first().asString()
                .startsWith(root.toRealPath() + " ").contains("package");
        assertThat(launcher("status").code()).isZero();
        assertThat(mvnCalls()).as("built once: the jar is newer now").hasSize(1);

        age(jar, 60);
        Files.writeString(root.resolve("pom.xml"), "<project><!-- edited --></project>\n");
        assertThat(launcher("run", vassals.toString()).code()).isZero();
        assertThat(mvnCalls()).as("an edited pom, before run too").hasSize(2);

        Files.delete(jar);
        assertThat(launcher("--version").code()).isZero();
        assertThat(mvnCalls()).as("no jar at all").hasSize(3);
    }

    @Test
    void runKeepsTheDaemonsFlagsAndClientsGetTheirOwn() throws Exception {
        useFakeJava();
        Result run = launcher(Map.of("EMPEROR_JAVA_OPTS", "-Xmx1g"), "run", vassals.toString());
        assertThat(run.code()).isZero();
        // the daemon runs from a private copy of this build's jar, which a rebuild does not rewrite
        Path copies = jar.toRealPath().resolveSibling("run");
        List<Path> copy;
        try (var list = Files.list(copies)) {
            copy = list.toList();
        }
        assertThat(copy).singleElement().satisfies(c -> assertThat(Files.mismatch(c, jar)).isEqualTo(-1L));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copies))).isEqualTo("rwx------");
        assertThat(javaCalls()).containsExactly(List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xms16m", "-Xmn8m", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "-XX:TrimNativeHeapInterval=5000", "-XX:-MaxFDLimit", "-Xmx1g", "-jar", copy.getFirst().toString(),
                "run", vassals.toString()));
        // a rebuild makes a new copy for the next run and removes the old one (an emperor running keeps its file open)
        Files.writeString(jar, "rebuilt", java.nio.file.StandardOpenOption.APPEND);
        assertThat(launcher(Map.of(), "run", vassals.toString()).code()).isZero();
        try (var list = Files.list(copies)) {
            assertThat(list.toList()).singleElement().isNotEqualTo(copy.getFirst())
                    .satisfies(c -> assertThat(Files.mismatch(c, jar)).isEqualTo(-1L));
        }

        Files.delete(javaLog);
        assertThat(launcher(Map.of("EMPEROR_JAVA_OPTS", "-Xmx1g"), "status", "web").code()).isZero();
        List<List<String>> calls = javaCalls();
        List<String> call = calls.getLast();
        assertThat(call).as("a client call").endsWith("-jar", jar.toRealPath().toString(), "status", "web")
                .contains("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData")
                .doesNotContain("-Xms16m", "-Xmx1g", "--enable-native-access=ALL-UNNAMED");
        assertThat(calls).as("the archive's recording run, then the call").hasSize(2);
        String recordTo = "-XX:ArchiveClassesAtExit=" + archive.getParent().toRealPath().resolve(archive.getFileName());
        assertThat(calls.getFirst()).contains("-Demperor.cds-training=true").anyMatch(a -> a.startsWith(recordTo + "."));
    }

    @Test
    void aClientCallRecordsAnArchiveNextToTheJarThatOnlyItsOwnerCanWriteWhateverTheUmask() throws Exception {
        Result version = launcherWithUmask("000", "--version");
        assertThat(version.code()).isZero();
        assertThat(version.out()).startsWith("emperor ");
        assertPrivateArchive();
        try (var files = Files.list(archive.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no half-written archive left")
                    .noneMatch(n -> n.startsWith("emperor-cli.jsa."));
        }
        long size = Files.size(archive);
        FileTime recorded = Files.getLastModifiedTime(archive);

        Result again = launcher("--version");
        assertThat(again).isEqualTo(version);
        assertThat(Files.getLastModifiedTime(archive)).as("a fresh archive is used, not recorded again")
                .isEqualTo(recorded);
        assertThat(Files.size(archive)).isEqualTo(size);
    }

    @Test
    void anArchiveOlderThanTheJarIsRecordedAgain() throws Exception {
        assertThat(launcher("--version").code()).isZero();
        assertPrivateArchive();
        age(archive, 3600);
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now()));
        assertThat(launcher("--version").code()).isZero();
        assertThat(Files.getLastModifiedTime(archive)).isGreaterThanOrEqualTo(Files.getLastModifiedTime(jar));
    }

    @Test
    void anArchiveOthersCouldWriteIsNeverUsedButReplaced() throws Exception {
        Files.writeString(archive, "planted");
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-rw-rw-"));
        Result version = launcher("--version");
        assertThat(version.code()).isZero();
        assertThat(version.out()).startsWith("emperor ");
        assertPrivateArchive();
        assertThat(Files.readAllBytes(archive)).isNotEqualTo("planted".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aJarDirectoryOthersCanWriteGetsNoArchiveAndTheCallStillWorks() throws Exception {
        Files.setPosixFilePermissions(jar.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
        Result version = launcher("--version");
        assertThat(version.code()).isZero();
        assertThat(version.out()).startsWith("emperor ");
        assertThat(archive).doesNotExist();
    }

    @Test
    void clientVerbsThroughTheLauncherAnswerFromARunningEmperor() throws Exception {
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\nready-after = 0.2\n");
        EmperorProcess emperor = emperor();
        emperor.awaitState("app", "running");
        Map<String, String> env = Map.of("EMPEROR_RUN_DIR", runDir.toString());

        Result all = launcher(env, "status");
        assertThat(all.code()).isZero();
        assertThat(all.out()).startsWith("VASSAL").containsPattern("(?m)^app +running ");
        Result one = launcher(env, "status", "app");
        assertThat(one.code()).isZero();
        assertThat(one.out()).containsPattern("(?m)^1 +" + emperor.pids("app").getFirst() + " +running ");
        Result json = launcher(env, "status", "--json");
        assertThat(json.out()).as("JVM messages never reach stdout").startsWith("{");
        assertPrivateArchive();

        Result reload = launcher(env, "reload", "app");
        assertThat(reload.code()).isZero();
        assertThat(reload.out()).contains("app");
        Result unknown = launcher(env, "reload", "nope");
        assertThat(unknown.code()).isEqualTo(1);
    }

    private void assertPrivateArchive() throws IOException {
        assertThat(archive).isRegularFile();
        assertThat(Files.size(archive)).isPositive();
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(archive, LinkOption.NOFOLLOW_LINKS);
        assertThat(perms).as("archive mode").doesNotContain(PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_WRITE);
        assertThat(Files.getAttribute(archive, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as("archive owner")
                .isEqualTo(Files.getAttribute(archive.getParent(), "unix:uid"));
    }

    /** A JDK whose java only records its arguments, one line each, a blank line after each call. */
    private void useFakeJava() throws IOException {
        Path home = tmp.resolve("fake-jdk");
        Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"25.0.1\"\n");
        javaLog = tmp.resolve("java.log");
        executable(home.resolve("bin/java"), "#!/bin/sh\n{ for a in \"$@\"; do echo \"$a\"; done; echo; } >> '"
                + javaLog + "'\n");
        javaHome = home.toString();
    }

    private List<List<String>> javaCalls() throws IOException {
        List<List<String>> calls = new ArrayList<>();
        List<String> call = new ArrayList<>();
        for (String line : Files.readAllLines(javaLog)) {
            if (line.isEmpty()) {
                calls.add(call);
                call = new ArrayList<>();
            } else {
                call.add(line);
            }
        }
        return calls;
    }

    private List<String> mvnCalls() throws IOException {
        return Files.exists(mvnLog) ? Files.readAllLines(mvnLog) : List.of();
    }

    private Result launcher(String... args) throws Exception {
        return launcher(Map.of(), args);
    }

    private Result launcherWithUmask(String umask, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "umask " + umask + "; exec \"$0\" \"$@\"",
                root.resolve("bin/emperor").toString()));
        cmd.addAll(Arrays.asList(args));
        return start(cmd, Map.of());
    }

    private Result launcher(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/emperor").toString()));
        cmd.addAll(Arrays.asList(args));
        return start(cmd, env);
    }

    /** Runs {@code cmd} with a plain environment (the stand-in mvn first on PATH); kills it by pid if it hangs. */
    private Result start(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(tmp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().put("PATH", fakeBin + ":/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().put("HOME", tmp.toString());
        if (javaHome != null) pb.environment().put("JAVA_HOME", javaHome);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish");
        }
        return new Result(p.exitValue(), out);
    }

    private static void executable(Path file, String script) throws IOException {
        Files.writeString(file, script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void age(Path file, long seconds) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(seconds)));
    }
}
