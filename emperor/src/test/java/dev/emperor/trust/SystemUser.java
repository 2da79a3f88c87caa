package dev.emperor.trust;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A local system user created for one test class (useradd --system) and removed after it:
 * the "other user" of a shared machine. Tests that need one skip, saying why, when not root.
 */
final class SystemUser implements AutoCloseable {

    final String name;
    final int uid;
    final int gid;

    private SystemUser(String name, int uid, int gid) {
        this.name = name;
        this.uid = uid;
        this.gid = gid;
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name")) || Libc.c().geteuid() == 0;
    }

    /** Creates a user, or skips the test when this is not root (only root can create users). */
    static SystemUser create() throws Exception {
        assumeTrue(isRoot(), "skipped: needs root to create a second user with useradd --system");
        String name = "emptr" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36);
        run("useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name);
        Identity id = UserDb.byName(name).orElseThrow();
        return new SystemUser(name, id.uid(), id.gid());
    }

    /** Gives {@code path} (the symlink itself, if it is one) to this user. */
    Path owns(Path path) throws IOException {
        UserPrincipal me = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(me);
        return path;
    }

    Identity identity() {
        return new Identity(uid, gid, name);
    }

    @Override
    public void close() throws Exception {
        run("userdel", name);
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }
}
