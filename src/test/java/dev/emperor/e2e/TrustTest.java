package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 items 4 and 7 as another local user would try them on a root emperor: a file she
 * drops, her symlink to a root-only file, a directory everyone may write, tyrant mode, and
 * /stats quoting what root read.
 */
class TrustTest extends EmperorTestBase {

    private static TenantAccount mallory;

    @BeforeAll
    static void createUser() throws Exception {
        mallory = TenantAccount.create();
    }

    @AfterAll
    static void removeUser() throws Exception {
        if (mallory != null) mallory.close();
    }

    @BeforeEach
    void letTheOtherUserReachHerFiles() throws IOException {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void aFileAnotherUserOwnsNeverRunsEvenWithUidRoot() throws Exception {
        EmperorProcess emperor = emperor(); // strict is the default for a root emperor
        Path evil = dropAs(mallory, "evil.ini", "[vassal]\ncommand = sleep " + marker + "\nuid = root\n");

        JsonNode v = emperor.awaitState("evil", "invalid");
        assertThat(v.path("error").asText()).contains(evil.toString()).doesNotContain("uid");
        assertThat(Processes.withMarker(marker)).isEmpty();
        assertThat(emperor.log()).contains("chown root " + evil).contains(mallory.name());
    }

    @Test
    void aSymlinkToARootOnlyFileIsNotReadAndStatsQuotesNothingItRead() throws Exception {
        Path key = Files.writeString(tmp.resolve("server.key"), "{\"vassal\": {\"command\": SECRET-KEY-MATERIAL}}\n");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        EmperorProcess emperor = emperor();
        Path hidden = mallory.owns(Files.createSymbolicLink(vassals.resolve(".key.json.part"), key));
        Files.move(hidden, vassals.resolve("key.json"), StandardCopyOption.ATOMIC_MOVE);
        // root's own symlink to the same file is read (root may read it), and its parse error stays out of /stats
        Files.createSymbolicLink(vassals.resolve("rootkey.json"), key);

        JsonNode hers = emperor.awaitState("key", "invalid");
        JsonNode roots = emperor.awaitState("rootkey", "invalid");
        assertThat(hers.path("error").asText()).doesNotContain("SECRET");
        assertThat(roots.path("error").asText()).contains(vassals.resolve("rootkey.json") + ":1")
                .doesNotContain("SECRET");
        assertThat(emperor.get("/stats")).doesNotContain("SECRET");
        assertThat(emperor.log()).contains(mallory.name() + " (uid " + mallory.uid() + ") may not read " + key);
    }

    @Test
    void aVassalsDirectoryEveryoneMayWriteIsRefusedAtStart() throws Exception {
        Files.setPosixFilePermissions(vassals, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(this::emperor).hasMessageContaining("chmod go-w " + vassals.toRealPath());
    }

    @Test
    void inTyrantModeAFileRunsAsItsOwnerAndCannotAskForRoot() throws Exception {
        Path settings = Files.writeString(tmp.resolve("emperor.ini"), "[emperor]\ntyrant = true\n");
        EmperorProcess emperor = emperor("--ini", settings.toString());

        dropAs(mallory, "mine.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        emperor.awaitState("mine", "running");
        long pid = emperor.pids("mine").get(0);
        assertThat(TenantAccount.uidOf(pid)).isEqualTo(mallory.uid());

        Path root = dropAs(mallory, "root.ini", "[vassal]\ncommand = sleep " + marker + "\nuid = root\n");
        JsonNode refused = emperor.awaitState("root", "invalid");
        assertThat(refused.path("error").asText()).contains(root + ":3");
        for (ProcessHandle p : Processes.withMarker(marker)) assertThat(TenantAccount.uidOf(p.pid())).isNotZero();
    }

    /** A vassal file that is {@code user}'s from the moment it appears (written hidden, given away, renamed). */
    private Path dropAs(TenantAccount user, String fileName, String content) throws Exception {
        Path part = vassals.resolve("." + fileName + ".part");
        Files.writeString(part, content);
        user.owns(part);
        return Files.move(part, vassals.resolve(fileName), StandardCopyOption.ATOMIC_MOVE);
    }
}
