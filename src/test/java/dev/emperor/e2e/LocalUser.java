package dev.emperor.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Another local user of a shared machine, created for a test class with
 * {@code useradd --system} and removed after it. Without root the test is skipped, saying why.
 */
final class LocalUser implements AutoCloseable {

    final String name;
    final int uid;

    private LocalUser(String name, int uid) {
        this.name = name;
        this.uid = uid;
    }

    static LocalUser create() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "skipped: needs root to create a second local user (useradd --system)");
        String name = "empe2e" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36);
        run("useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name);
        return new LocalUser(name, Integer.parseInt(run("id", "-u", name).strip()));
    }

    /** Gives {@code path} to this user; a symlink itself, not its target. */
    Path owns(Path path) throws IOException {
        var principal = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(principal);
        return path;
    }

    /** The real uid of a running process, from /proc. */
    static int uidOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("Uid:")) return Integer.parseInt(line.split("\\s+")[1]);
        }
        throw new IOException("no Uid line for pid " + pid);
    }

    @Override
    public void close() throws Exception {
        run("userdel", name);
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
