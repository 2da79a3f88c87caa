package dev.emperor.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader;
import dev.emperor.config.ConfigLoader.LoadedConfig;
import dev.emperor.config.Origin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * StrictModes and tyrant mode as a local user would attack a root emperor: files owned by
 * them, directories they can write, symlinks and includes to root-only files. Runs as root
 * with a created system user, and skips (saying so) otherwise.
 */
class FileTrustTest {

    private static SystemUser mallory;

    @TempDir
    Path tmp;
    Path vassals;

    private final FileTrust strict = new FileTrust(true, false, 0);
    private final FileTrust lax = new FileTrust(false, false, 0);
    private final FileTrust tyrant = new FileTrust(true, true, 0);

    @BeforeAll
    static void createUser() throws Exception {
        mallory = SystemUser.create();
    }

    @AfterAll
    static void removeUser() throws Exception {
        if (mallory != null) mallory.close();
    }

    @BeforeEach
    void directories() throws IOException {
        chmod(tmp, "rwxr-xr-x"); // the other user must be able to reach their own files
        vassals = Files.createDirectory(tmp.resolve("vassals"));
        chmod(vassals, "rwxr-xr-x");
    }

    @Test
    void rootsOwnFilesInRootsOwnDirectoryAreTrusted() throws IOException {
        Path app = write(vassals.resolve("app.ini"), "[vassal]\ncommand = true\n");
        assertThat(strict.checkDirectory(vassals)).isInstanceOf(TrustVerdict.Trusted.class);
        assertThat(strict.check(app)).isInstanceOf(TrustVerdict.Trusted.class);
        assertThat(tyrant.check(app).runAs()).isEmpty();
    }

    @Test
    void aVassalsDirectoryOthersCanWriteIsRefusedInStrictModeAndWarnedOtherwise() throws IOException {
        chmod(vassals, "rwxrwxrwx");
        TrustVerdict verdict = strict.checkDirectory(vassals);
        assertThat(verdict).isInstanceOf(TrustVerdict.Refused.class);
        assertThat(verdict.problems()).singleElement().asString()
                .contains(vassals.toString()).contains("mode 0777").contains("chmod go-w " + vassals);
        assertThat(lax.checkDirectory(vassals)).isInstanceOf(TrustVerdict.Doubtful.class);
        // and a file in it is refused too: anyone could have replaced it
        Path app = write(vassals.resolve("app.ini"), "[vassal]\ncommand = true\n");
        assertThat(strict.check(app)).isInstanceOf(TrustVerdict.Refused.class);
    }

    @Test
    void aStickySharedDirectoryMayBeAnAncestorButNotHoldVassalFilesUnlessTyrant() throws IOException {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        chmod(shared, "rwxrwxrwt");
        Path below = Files.createDirectory(shared.resolve("vassals"));
        chmod(below, "rwxr-xr-x");
        assertThat(strict.check(write(below.resolve("app.ini"), "[vassal]\n"))).isInstanceOf(TrustVerdict.Trusted.class);

        TrustVerdict dir = strict.checkDirectory(shared);
        assertThat(dir).isInstanceOf(TrustVerdict.Refused.class);
        assertThat(dir.problems().get(0)).contains("mode 1777").contains("every user may add files");
        assertThat(strict.check(write(shared.resolve("app.ini"), "[vassal]\n"))).isInstanceOf(TrustVerdict.Refused.class);
        assertThat(tyrant.checkDirectory(shared)).isInstanceOf(TrustVerdict.Trusted.class);
    }

    @Test
    void aFileDroppedByAnotherUserWithUidRootIsRefusedInStrictMode() throws Exception {
        Path evil = mallory.owns(write(vassals.resolve("evil.ini"), "[vassal]\ncommand = id\nuid = root\n"));
        TrustVerdict verdict = strict.check(evil);
        assertThat(verdict).isInstanceOf(TrustVerdict.Refused.class);
        assertThat(String.join("\n", verdict.problems())).contains(mallory.name).contains("uid " + mallory.uid)
                .contains("chown root " + evil).contains("tyrant = true");
        ConfigException e = catchThrowableOfType(ConfigException.class, verdict::requireUsable);
        assertThat(e.errors().get(0).origin()).isEqualTo(Origin.of(evil));
        assertThat(e.publicText()).doesNotContain("uid = root").contains(TrustVerdict.REFUSED_SUMMARY);
        // the loader refuses it too, whatever the caller forgot to check
        assertThat(catchThrowableOfType(ConfigException.class, () -> load(strict, verdict, evil))).isNotNull();
        // with strict off it is used, with a warning naming the owner
        assertThat(lax.check(evil)).isInstanceOf(TrustVerdict.Doubtful.class)
                .satisfies(v -> assertThat(v.problems().get(0)).contains(mallory.name));
    }

    @Test
    void inTyrantModeAFileRunsAsItsOwnerAndMayNotNameAnotherUser() throws Exception {
        Path app = mallory.owns(write(vassals.resolve("app.ini"), "[vassal]\ncommand = id\n"));
        TrustVerdict verdict = tyrant.check(app);
        assertThat(verdict).isInstanceOf(TrustVerdict.Trusted.class);
        assertThat(verdict.runAs()).contains(mallory.identity());
        assertThat(tyrant.tyrantIdentity(app)).contains(mallory.identity());
        LoadedConfig pinned = tyrant.applyTyrant(verdict, load(tyrant, verdict, app));
        assertThat(pinned.value("uid")).contains(Integer.toString(mallory.uid));
        assertThat(pinned.value("gid")).contains(Integer.toString(mallory.gid));

        Files.writeString(app, "[vassal]\ncommand = id\nuid = " + mallory.name + "\ngid = " + mallory.gid + "\n");
        assertThat(tyrant.applyTyrant(verdict, load(tyrant, verdict, app)).value("uid")).contains(Integer.toString(mallory.uid));

        Files.writeString(app, "[vassal]\ncommand = id\nuid = root\ngid = 0\n");
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> tyrant.applyTyrant(verdict, load(tyrant, verdict, app)));
        assertThat(e.errors()).hasSize(2);
        assertThat(e.errors().get(0).origin()).isEqualTo(new Origin(app, 3));
        assertThat(e.errors().get(0).message()).contains("runs as its file's owner " + mallory.name);
        assertThat(e.publicText()).doesNotContain("root");
    }

    @Test
    void inTyrantModeARootOwnedFileRunsAsRootOnlyIfItPassesTheStrictChecksWhateverStrictSays() throws Exception {
        FileTrust laxTyrant = new FileTrust(false, true, 0);
        chmod(vassals, "rwxrwxrwx"); // anyone could have put a hardlink to root's file here, under a name of their choice
        Path app = write(vassals.resolve("app.ini"), "[vassal]\ncommand = id\n");
        TrustVerdict verdict = laxTyrant.check(app);
        assertThat(verdict).isInstanceOf(TrustVerdict.Refused.class);
        assertThat(String.join("\n", verdict.problems())).contains("would run as root").contains("chmod go-w " + vassals);
        // a tenant's file in the same place runs as the tenant, with a warning
        Path hers = mallory.owns(write(vassals.resolve("hers.ini"), "[vassal]\ncommand = id\n"));
        assertThat(laxTyrant.check(hers)).isInstanceOf(TrustVerdict.Doubtful.class)
                .satisfies(v -> assertThat(v.runAs()).contains(mallory.identity()));
    }

    @Test
    void anIncludeInAPlaceAnotherUserControlsIsRefused() throws Exception {
        Path home = mallory.owns(Files.createDirectory(tmp.resolve("home")));
        Path evil = mallory.owns(write(home.resolve("common.ini"), "[vassal]\nuid = root\n"));
        Path app = write(vassals.resolve("app.ini"), "[vassal]\ncommand = id\nini = " + evil + "\n");
        TrustVerdict verdict = strict.check(app);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(strict, verdict, app));
        assertThat(e.errors().get(0).origin()).isEqualTo(new Origin(app, 3));
        assertThat(e.getMessage()).contains("include").contains(mallory.name).contains("chown root");
        assertThat(e.publicText()).doesNotContain("uid");

        // a root-owned include in a directory others may write is no better
        Path open = Files.createDirectory(tmp.resolve("open"));
        chmod(open, "rwxrwxrwx");
        Path common = write(open.resolve("common.ini"), "[vassal]\nuid = root\n");
        Files.writeString(app, "[vassal]\ncommand = id\nini = " + common + "\n");
        assertThat(catchThrowableOfType(ConfigException.class, () -> load(strict, strict.check(app), app)).getMessage())
                .contains("chmod go-w " + open);

        // with strict off it is read, and the policy lists the warning
        TrustedReadPolicy policy = lax.readPolicy(lax.check(app));
        new ConfigLoader(Map.of()).withReadPolicy(policy).loadVassal(app);
        assertThat(policy.warnings()).singleElement().asString().contains(open.toString());
    }

    @Test
    void aVassalFileThatIsAnotherUsersSymlinkToARootOnlyFileIsNeverRead() throws Exception {
        Path key = write(tmp.resolve("server.key"), "[vassal]\ncommand = -----BEGIN PRIVATE KEY-----\n");
        chmod(key, "rw-------");
        Path link = mallory.owns(Files.createSymbolicLink(vassals.resolve("key.ini"), key));
        for (FileTrust trust : new FileTrust[] {strict, lax, tyrant}) {
            TrustVerdict verdict = trust.check(link);
            assertThat(verdict).as("strict %s tyrant %s", trust.strict(), trust.tyrant())
                    .isInstanceOf(TrustVerdict.Refused.class);
            assertThat(String.join("\n", verdict.problems())).contains(mallory.name + " (uid " + mallory.uid
                    + ") may not read " + key);
            assertThat(catchThrowableOfType(ConfigException.class, () -> load(trust, verdict, link)).getMessage())
                    .doesNotContain("BEGIN");
        }
    }

    @Test
    void aTenantsFileValueOrIncludeOfARootOnlyFileIsRefusedInTyrantMode() throws Exception {
        Path secret = write(tmp.resolve("shadow"), "root:$6$hash\n");
        chmod(secret, "rw-------");
        Path app = mallory.owns(write(vassals.resolve("app.ini"), "[vassal]\ncommand = id\nenv = X=@(" + secret + ")\n"));
        TrustVerdict verdict = tyrant.check(app);
        assertThat(verdict.runAs()).contains(mallory.identity());
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(tyrant, verdict, app));
        assertThat(e.errors().get(0).origin()).isEqualTo(new Origin(app, 3));
        assertThat(e.getMessage()).contains("may not read " + secret).doesNotContain("$6$");

        // the tenant's own include, readable by them, is fine
        Path mine = mallory.owns(write(tmp.resolve("mine.ini"), "[vassal]\nprocesses = 2\n"));
        Files.writeString(app, "[vassal]\ncommand = id\nini = " + mine + "\n");
        assertThat(load(tyrant, verdict, app).value("processes")).contains("2");
    }

    @Test
    void theReadJudgesTheFileAgainSoAChangeAfterTheCheckIsCaught() throws Exception {
        Path app = write(vassals.resolve("app.ini"), "[vassal]\ncommand = id\n");
        TrustVerdict before = strict.check(app);
        assertThat(before).isInstanceOf(TrustVerdict.Trusted.class);
        mallory.owns(app);
        assertThat(catchThrowableOfType(ConfigException.class, () -> load(strict, before, app)).getMessage())
                .contains(mallory.name);
        TrustVerdict tyrantBefore = tyrant.check(write(vassals.resolve("b.ini"), "[vassal]\n"));
        mallory.owns(vassals.resolve("b.ini"));
        assertThat(catchThrowableOfType(ConfigException.class,
                () -> load(tyrant, tyrantBefore, vassals.resolve("b.ini"))).getMessage()).contains("changed owner");
    }

    @Test
    void aFifoOrDeviceIsRefusedWithoutBlocking() throws Exception {
        Path fifo = tmp.resolve("fifo.ini");
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        Path app = write(vassals.resolve("app.ini"), "[vassal]\nini = " + fifo + "\nx = @(/dev/zero)\n");
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> catchThrowableOfType(ConfigException.class, () -> load(strict, strict.check(app), app)));
        assertThat(e.getMessage()).contains(fifo + " is not a regular file");
    }

    @Test
    void theEmperorsOwnFilesMustBeRootsEvenInTyrantMode() throws Exception {
        Path settings = write(tmp.resolve("emperor.ini"), "[emperor]\nvassal-set = uid=0\n");
        assertThat(tyrant.checkEmperorFile(settings)).isInstanceOf(TrustVerdict.Trusted.class);
        mallory.owns(settings);
        assertThat(tyrant.checkEmperorFile(settings)).isInstanceOf(TrustVerdict.Refused.class)
                .satisfies(v -> assertThat(v.problems().get(0)).contains("emperor settings file").contains(mallory.name));
        assertThat(new FileTrust(false, true, 0).checkEmperorFile(settings)).isInstanceOf(TrustVerdict.Refused.class);
        assertThat(lax.checkEmperorFile(settings)).isInstanceOf(TrustVerdict.Doubtful.class);
    }

    @Test
    void groupWritableFilesAreProblems() throws Exception {
        Path app = write(vassals.resolve("app.ini"), "[vassal]\n");
        chmod(app, "rw-rw-r--");
        assertThat(strict.check(app).problems()).singleElement().asString().contains("mode 0664").contains("chmod go-w");
    }

    @Test
    void theWholeLoadGivesVassalSettingsTheOwnersUidAndKeepsTheEmperorsDefaultsFromOverridingIt() throws Exception {
        Path app = mallory.owns(write(vassals.resolve("app.ini"), "[vassal]\ncommand = id\n"));
        TrustedLoad loaded = TrustedLoad.load(tyrant, new ConfigLoader(Map.of()), app);
        assertThat(loaded.warnings()).isEmpty();
        // the emperor's vassal-set comes first, as defaults: the pinned uid stays the last word
        var emperorDefaults = new dev.emperor.config.OptionModel(java.util.List.of(
                new dev.emperor.config.OptionValue("vassal-set", "uid=0", Origin.of(tmp.resolve("emperor.ini")))));
        LoadedConfig effective = dev.emperor.config.Inheritance.apply(emperorDefaults, loaded.config(),
                new ConfigLoader(Map.of()));
        var settings = dev.emperor.vassal.VassalSettings.from("app", effective);
        assertThat(settings.limits().uid()).contains(Integer.toString(mallory.uid));
        assertThat(settings.limits().gid()).contains(Integer.toString(mallory.gid));

        tyrant.checkLimits(loaded.verdict(), settings.limits());
        Files.writeString(app, "[vassal]\ncommand = id\nlimit-nofile = 2000000000\n");
        var greedy = dev.emperor.vassal.VassalSettings.from("app", TrustedLoad.load(tyrant, new ConfigLoader(Map.of()), app).config());
        assertThat(catchThrowableOfType(ConfigException.class, () -> tyrant.checkLimits(loaded.verdict(), greedy.limits()))
                .getMessage()).contains("limit-nofile asks for 2000000000, above the emperor's own hard limit");

        Path roots = write(vassals.resolve("roots.ini"), "[vassal]\ncommand = id\nuid = nobody\n");
        assertThat(TrustedLoad.load(tyrant, new ConfigLoader(Map.of()), roots).config().value("uid")).contains("nobody");
        Path hers = mallory.owns(write(vassals.resolve("hers.ini"), "[vassal]\ncommand = id\nuid = nobody\n"));
        assertThat(catchThrowableOfType(ConfigException.class,
                () -> TrustedLoad.load(tyrant, new ConfigLoader(Map.of()), hers)).errors().get(0).origin())
                .isEqualTo(new Origin(hers, 3));
    }

    private static LoadedConfig load(FileTrust trust, TrustVerdict verdict, Path file) throws ConfigException {
        return new ConfigLoader(Map.of()).withReadPolicy(trust.readPolicy(verdict)).loadVassal(file);
    }

    private static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        chmod(file, "rw-r--r--");
        return file;
    }

    private static void chmod(Path p, String perms) throws IOException {
        if (perms.endsWith("t")) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms.substring(0, 8) + "x"));
            try {
                new ProcessBuilder("chmod", "+t", p.toString()).start().waitFor();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return;
        }
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    }
}
