package dev.emperor.vassal.process;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One cgroup (v2) per vassal, so that stopping a vassal ends everything it started: a process
 * that calls setsid, clears its environment and double-forks is still in its vassal's cgroup,
 * which the kernel kills whole ({@code cgroup.kill}).
 *
 * <p>Layout: {@code <the emperor's own cgroup>/emperor-<id>/v-<vassal>}, where {@code id}
 * names the run dir (so two emperors never share one, and an emperor finds what a predecessor
 * with the same run dir left behind). The emperor stays where it is: its cgroup needs no
 * controller for this (under systemd, {@code Delegate=yes} gives it the right to make
 * sub-cgroups; on a machine like this one, the cgroup2 mount is {@code /sys/fs/cgroup/unified}).
 * No controller is enabled, so {@code memory.max}/{@code cpu.max} per vassal are not offered.
 * Each worker joins its vassal's cgroup itself, in the spawner's child before its exec
 * ({@link LaunchSpec#cgroup()}), so no code of the vassal's ever runs outside it.
 *
 * <p>Without cgroup v2 (or without the right to make sub-cgroups) {@link #detect} says why and
 * the emperor keeps its best-effort sweep of {@code /proc/*}/environ. Loop thread only.
 */
public final class VassalCgroups implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.workers");
    private static final long CLOSE_WAIT_NANOS = 2_000_000_000L;

    private final Path emperorCgroup;
    private final boolean canKill;
    private final Map<String, VassalCgroup> vassals = new HashMap<>();
    /** Stopped vassals whose cgroup still had dying processes; removed at the next chance. */
    private final Set<VassalCgroup> pendingRemoval = new LinkedHashSet<>();

    private VassalCgroups(Path emperorCgroup) {
        this.emperorCgroup = emperorCgroup;
        this.canKill = Files.exists(emperorCgroup.resolve("cgroup.kill"));
    }

    /**
     * The emperor's cgroup tree for {@code runDir}, created; empty (with the reason logged)
     * where cgroup v2 is missing or not writable. Leftovers of an emperor that died hard with
     * the same run dir are killed first.
     */
    public static Optional<VassalCgroups> detect(Path runDir) {
        Optional<Path> own = ownCgroup(Path.of("/proc/self/mountinfo"), Path.of("/proc/self/cgroup"));
        if (own.isEmpty()) {
            LOG.log(Level.INFO, "no cgroup v2 hierarchy found; a vassal's stray processes are found by their environment"
                    + " (best effort: a process that clears its environment and leaves its session escapes)");
            return Optional.empty();
        }
        Path dir = own.get().resolve("emperor-" + idOf(runDir));
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            // a predecessor's: swept below
        } catch (IOException e) {
            LOG.log(Level.INFO, "cannot make cgroup " + dir + " (" + e.getMessage() + "); a vassal's stray processes"
                    + " are found by their environment (best effort). Under systemd, Delegate=yes lets the emperor"
                    + " keep each vassal in its own cgroup");
            return Optional.empty();
        }
        VassalCgroups cgroups = new VassalCgroups(dir);
        int killed = cgroups.sweepLeftovers();
        if (killed > 0) {
            LOG.log(Level.WARNING, "killed " + killed + " process(es) left behind by an emperor that died hard with"
                    + " this run dir (found in its cgroup " + dir + ")");
        }
        LOG.log(Level.INFO, "each vassal runs in its own cgroup under " + dir);
        return Optional.of(cgroups);
    }

    /** The cgroup of {@code vassal}, made if needed. */
    public VassalCgroup forVassal(String vassal) throws LaunchException {
        VassalCgroup c = vassals.computeIfAbsent(vassal, v -> new VassalCgroup(this, emperorCgroup.resolve(dirName(v))));
        pendingRemoval.remove(c);
        try {
            Files.createDirectory(c.dir());
        } catch (FileAlreadyExistsException e) {
            // reused: the vassal restarted, or a removal is still pending
        } catch (IOException e) {
            throw new LaunchException("cannot make cgroup " + c.dir() + ": " + e.getMessage());
        }
        return c;
    }

    /**
     * The vassal has stopped: whatever is left in its cgroup is killed, and the cgroup removed
     * (now, or at a later call once the kernel has finished the kill). Returns how many
     * processes were still there.
     */
    public int vassalStopped(String vassal) {
        retryRemovals();
        VassalCgroup c = vassals.remove(vassal);
        if (c == null) return 0;
        int left = c.killAll();
        if (!c.remove()) pendingRemoval.add(c);
        return left;
    }

    /** The emperor's directory of vassal cgroups. */
    public Path root() {
        return emperorCgroup;
    }

    boolean canKill() {
        return canKill;
    }

    /** Kills what is left in every vassal cgroup and removes them all, then the emperor's own. */
    @Override
    public void close() {
        for (String v : List.copyOf(vassals.keySet())) vassalStopped(v);
        sweepLeftovers();
        // Killed processes take a moment to leave; at exit that moment is worth a bounded wait.
        long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        while (!pendingRemoval.isEmpty() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
            retryRemovals();
        }
        try {
            Files.deleteIfExists(emperorCgroup);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "cgroup " + emperorCgroup + " stays: " + e.getMessage());
        }
    }

    private void retryRemovals() {
        pendingRemoval.removeIf(VassalCgroup::remove);
    }

    /** Kills and removes every vassal cgroup found under the emperor's (from a predecessor, or pending). */
    private int sweepLeftovers() {
        int killed = 0;
        List<VassalCgroup> found = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(emperorCgroup, "v-*")) {
            for (Path d : dirs) {
                if (Files.isDirectory(d)) found.add(new VassalCgroup(this, d));
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "cannot list " + emperorCgroup + ": " + e.getMessage());
        }
        for (VassalCgroup c : found) {
            killed += c.killAll();
            if (!c.remove()) pendingRemoval.add(c);
        }
        return killed;
    }

    /**
     * The cgroup this process is in, as a path under the cgroup2 mount, from
     * {@code /proc/self/mountinfo} and the {@code 0::} line of {@code /proc/self/cgroup}.
     */
    static Optional<Path> ownCgroup(Path mountinfo, Path cgroupFile) {
        try {
            String own = null;
            for (String line : Files.readAllLines(cgroupFile, StandardCharsets.UTF_8)) {
                if (line.startsWith("0::")) own = line.substring(3);
            }
            if (own == null || !own.startsWith("/")) return Optional.empty();
            for (String line : Files.readAllLines(mountinfo, StandardCharsets.UTF_8)) {
                int dash = line.indexOf(" - ");
                if (dash < 0) continue;
                String[] after = line.substring(dash + 3).split(" ");
                if (after.length == 0 || !after[0].equals("cgroup2")) continue;
                String[] before = line.substring(0, dash).split(" ");
                if (before.length < 5) continue;
                String root = unescape(before[3]);
                Path mountPoint = Path.of(unescape(before[4]));
                String rel;
                if (root.equals("/")) {
                    rel = own;
                } else if (own.equals(root) || own.startsWith(root + "/")) {
                    rel = own.substring(root.length());
                } else {
                    continue; // a mount of another part of the tree
                }
                Path p = mountPoint;
                for (String part : rel.split("/")) {
                    if (!part.isEmpty()) p = p.resolve(part);
                }
                if (Files.isDirectory(p)) return Optional.of(p);
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** mountinfo escapes blanks, tabs, newlines and backslashes as octal. */
    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 3 < s.length()) {
                try {
                    sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException e) {
                    // not an escape
                }
            }
            sb.append(ch);
        }
        return sb.toString();
    }

    /**
     * A directory name for a vassal: {@code v-} and the name where it is plain, so that it can
     * never be taken for one of the kernel's files; with a hash where it is not.
     */
    static String dirName(String vassal) {
        if (vassal.matches("[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]{0,100}")) return "v-" + vassal;
        return "v-" + vassal.replaceAll("[^A-Za-z0-9_.@+-]", "_").substring(0, Math.min(vassal.length(), 60))
                + "-" + hash(vassal);
    }

    private static String idOf(Path runDir) {
        return hash(runDir.toAbsolutePath().normalize().toString());
    }

    private static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JDK", e);
        }
    }
}
