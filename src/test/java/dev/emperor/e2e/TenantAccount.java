package dev.emperor.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A local account that plays the tenant (an ordinary user on the emperor's machine): created
 * with {@code useradd --system} when the tests run as root and removed by {@link #close};
 * elsewhere the test is skipped with a clear message.
 */
record TenantAccount(String name, int uid) implements AutoCloseable {

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    static TenantAccount create() throws IOException, InterruptedException {
        assumeTrue(root(), "needs root to create a tenant account (useradd --system); skipped");
        String name = "emp-e" + ThreadLocalRandom.current().nextInt(100_000, 999_999);
        run("useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name);
        Process id = new ProcessBuilder("id", "-u", name).start();
        int uid = Integer.parseInt(new String(id.getInputStream().readAllBytes()).strip());
        return new TenantAccount(name, uid);
    }

    /** {@code path} (and all below it; a symlink itself, not its target) now belongs to the tenant. */
    Path owns(Path path) throws IOException, InterruptedException {
        run("chown", "-hR", name + ":", path.toString());
        return path;
    }

    /** The real uid of a running process, from /proc. */
    static int uidOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("Uid:")) return Integer.parseInt(line.split("\\s+")[1]);
        }
        throw new IOException("no Uid line for pid " + pid);
    }

    /** Lets others pass through {@code dir} and its parents up to /tmp (JUnit makes its temp dirs 0700). */
    static void passable(Path dir) throws IOException {
        for (Path p = dir; p != null && p.getNameCount() > 1; p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        // Its last process (a killed worker, a log opener's child) may take a moment to be gone.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                run("userdel", name);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !e.getMessage().contains("currently used")) throw e;
                Thread.onSpinWait();
            }
        }
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
