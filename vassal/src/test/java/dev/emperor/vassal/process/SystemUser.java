package dev.emperor.vassal.process;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away local account for tests that play a tenant against a root emperor: created
 * with {@code useradd --system} when the tests run as root, removed again by {@link #close}.
 * Elsewhere the test is skipped with a clear message.
 */
record SystemUser(String name, int uid, int gid) implements AutoCloseable {

    static SystemUser create() throws IOException, InterruptedException {
        assumeTrue(Posix.effectiveUid() == 0, "needs root to create a tenant account (useradd --system); skipped");
        String name = "emp-t" + ThreadLocalRandom.current().nextInt(100_000, 999_999);
        run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name);
        int uid = Integer.parseInt(output("id", "-u", name));
        int gid = Integer.parseInt(output("id", "-g", name));
        return new SystemUser(name, uid, gid);
    }

    LogOpener.Owner owner() {
        return new LogOpener.Owner(uid, gid, new int[] {gid});
    }

    /** {@code dir} and what it holds now belong to this user. */
    void owns(Path dir) throws IOException, InterruptedException {
        run("chown", "-R", uid + ":" + gid, dir.toString());
    }

    /** Runs {@code cmd} as this user (setpriv, no supplementary groups), as she would, and waits for it. */
    void runAs(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(as(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " as " + name + " failed: " + out);
        }
    }

    /** Starts {@code cmd} as this user, output discarded; the caller ends it by its pid (destroyForcibly). */
    Process startAs(String... cmd) throws IOException {
        return new ProcessBuilder(as(cmd)).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true)
                .start();
    }

    private List<String> as(String... cmd) {
        List<String> all = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups",
                "--"));
        all.addAll(List.of(cmd));
        return all;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        // The log opener's child answers just before it exits; userdel refuses a live process.
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

    private static String output(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    /** Makes {@code dir} and its parents up to /tmp passable for others (JUnit makes them 0700). */
    static void openForOthers(Path dir) throws IOException {
        for (Path p = dir; p != null && p.getNameCount() > 1; p = p.getParent()) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
