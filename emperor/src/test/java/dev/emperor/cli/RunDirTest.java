package dev.emperor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.emperor.vassal.process.Posix;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local user prepares the way to a root emperor's --run-dir in a shared sticky directory
 * (as /tmp is): a symbolic link of hers on that path would let her point it elsewhere later,
 * so it is refused before anything is created behind it; root's own link there is followed,
 * and the run dir is used by its real path.
 */
class RunDirTest {

    /** An account every Debian-like system has; she only needs to exist and not be root. */
    private static final int NOBODY = 65534;

    @TempDir
    Path tmp;

    @Test
    void aLinkAnotherUserOwnsOnTheWayToTheRunDirIsRefusedBeforeAnythingIsCreated() throws Exception {
        Path shared = sharedStickyDirectory();
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        asNobody("ln", "-s", elsewhere.toString(), shared.resolve("rd").toString());
        assertThat(((Number) Files.getAttribute(shared.resolve("rd"), "unix:uid", LinkOption.NOFOLLOW_LINKS))
                .intValue()).isEqualTo(NOBODY);

        assertThatThrownBy(() -> RunDir.acquire(shared.resolve("rd/sub/run")))
                .isInstanceOf(EmperorCommand.UserError.class)
                .hasMessage("unsafe run dir: " + shared.resolve("rd") + " (on the way to the run dir) is a symbolic"
                        + " link owned by uid " + NOBODY + ", not by root or this emperor's user (uid 0): its owner"
                        + " could point it elsewhere at any time. Pass a --run-dir without it");
        assertThat(elsewhere.resolve("sub")).doesNotExist();
    }

    @Test
    void rootsOwnLinkIsFollowedAndTheRealPathUsed() throws Exception {
        Path shared = sharedStickyDirectory();
        Path real = Files.createDirectories(tmp.resolve("real"));
        Files.createSymbolicLink(shared.resolve("mine"), real);

        try (RunDir dir = RunDir.acquire(shared.resolve("mine/sub/run"))) {
            assertThat(dir.path()).isEqualTo(real.resolve("sub/run"));
            assertThat(real.resolve("sub/run/bin")).isDirectory();
        }
    }

    /** tmp/shared, mode 1777 like /tmp, with every directory above it passable by others. */
    private Path sharedStickyDirectory() throws Exception {
        assumeTrue(Posix.effectiveUid() == 0, "needs root (a root emperor's run dir, a link made as nobody); skipped");
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.setAttribute(tmp, "unix:mode", 0755);
        Files.setAttribute(shared, "unix:mode", 01777);
        return shared;
    }

    private static void asNobody(String... cmd) throws Exception {
        String[] all = new String[cmd.length + 5];
        System.arraycopy(new String[] {"setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"},
                0, all, 0, 5);
        System.arraycopy(cmd, 0, all, 5, cmd.length);
        Process p = new ProcessBuilder(all).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as(String.join(" ", cmd) + ": " + out)
                .isTrue();
    }
}
