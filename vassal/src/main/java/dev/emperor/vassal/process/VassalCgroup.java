package dev.emperor.vassal.process;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** One vassal's cgroup (see {@link VassalCgroups}): what its workers join, and what stopping it kills. */
public final class VassalCgroup {

    private static final System.Logger LOG = System.getLogger("emperor.workers");
    /** Freeze, kill, thaw rounds where the kernel has no cgroup.kill (before Linux 5.14). */
    private static final int KILL_ROUNDS = 10;

    private final VassalCgroups owner;
    private final Path dir;

    VassalCgroup(VassalCgroups owner, Path dir) {
        this.owner = owner;
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** What a worker writes its pid to before its exec: see {@link LaunchSpec#withCgroup}. */
    public Path joinSpec() {
        return dir.resolve("cgroup.procs");
    }

    /** The pids in it now (none once it is empty or gone). */
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(dir.resolve("cgroup.procs"), StandardCharsets.US_ASCII)) {
                if (!line.isBlank()) pids.add(Long.parseLong(line.strip()));
            }
        } catch (IOException | NumberFormatException e) {
            // gone: nothing in it
        }
        return pids;
    }

    /**
     * SIGKILL to every process in it, at once, by the kernel (cgroup.kill: nothing can fork
     * away meanwhile); without cgroup.kill, frozen first so that none forks between the
     * listing and the kill. Returns how many there were.
     */
    public int killAll() {
        List<Long> before = pids();
        if (before.isEmpty()) return 0;
        if (owner.canKill()) {
            if (write("cgroup.kill", "1")) return before.size();
        }
        write("cgroup.freeze", "1");
        for (int round = 0; round < KILL_ROUNDS; round++) {
            List<Long> left = pids();
            if (left.isEmpty()) break;
            for (long pid : left) Posix.kill(pid, Signal.KILL);
        }
        write("cgroup.freeze", "0");
        return before.size();
    }

    /** Removes it; false while processes are still dying in it (call again later). */
    public boolean remove() {
        try {
            Files.deleteIfExists(dir);
            return true;
        } catch (DirectoryNotEmptyException e) {
            return false;
        } catch (IOException e) {
            // EBUSY: the kernel has not finished with the last process yet
            LOG.log(Level.DEBUG, "cgroup " + dir + " not removed yet: " + e.getMessage());
            return false;
        }
    }

    private boolean write(String file, String value) {
        try {
            Files.writeString(dir.resolve(file), value, StandardCharsets.US_ASCII, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot write " + value + " to " + dir.resolve(file) + ": " + e.getMessage());
            return false;
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
