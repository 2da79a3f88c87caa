package dev.emperor.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;

/**
 * The emperor's run directory: sockets, the lock that keeps two emperors from sharing it,
 * {@code logs/} (default vassal logs) and {@code bin/}. Default: {@code /run/emperor} for
 * root, else {@code $XDG_RUNTIME_DIR/emperor}, else {@code /tmp/emperor-$UID}.
 *
 * <p>Whoever can change this directory can change what the emperor executes and appends to,
 * so it is trusted only if nobody else can: the run dir, {@code logs/} and {@code bin/} are
 * refused (exit code 2) when they exist and are symbolic links, are not owned by the
 * emperor's effective user, or are writable by group or others; every directory above the run
 * dir must be owned by root or that user and not writable by others unless sticky (as
 * {@code /tmp} is: nobody else can then rename or remove what the emperor made there), and
 * every symbolic link above it owned by root or that user. That path is walked from "/"
 * before anything is created, and its real path is used from then on. The emperor changes
 * the mode only of what it has checked it owns, and follows no link it has not judged.
 */
final class RunDir implements AutoCloseable {

    private static final Set<PosixFilePermission> RUN_DIR_MODE = PosixFilePermissions.fromString("rwx--x--x");
    private static final Set<PosixFilePermission> PRIVATE_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> ANCESTOR_MODE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final int STICKY = 01000;
    private static final int MAX_LINKS = 40;

    private final Path path;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private RunDir(Path path, FileChannel lockChannel, FileLock lock) {
        this.path = path;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    static Path defaultPath() {
        return defaultPath(uid(), System.getenv("XDG_RUNTIME_DIR"));
    }

    /**
     * Root: /run/emperor (systemd's RuntimeDirectory=emperor); others: their runtime dir when it
     * exists, else /tmp/emperor-UID (checked like any other run dir: never trusted as found).
     */
    static Path defaultPath(long uid, String xdgRuntimeDir) {
        if (uid == 0) return Path.of("/run", "emperor");
        if (xdgRuntimeDir != null && !xdgRuntimeDir.isBlank() && Path.of(xdgRuntimeDir).isAbsolute()
                && Files.isDirectory(Path.of(xdgRuntimeDir))) {
            return Path.of(xdgRuntimeDir, "emperor");
        }
        return Path.of("/tmp", "emperor-" + uid);
    }

    static long uid() {
        return ProcessIds.effectiveUid(); // from /proc: a client call loads no JNA
    }

    /** Creates or checks, then locks {@code path}; fails if it is not safe or another emperor holds it. */
    static RunDir acquire(Path path) {
        long me = uid();
        Path dir = path.toAbsolutePath().normalize();
        try {
            if (dir.getParent() == null) throw refused(dir + " cannot be a run dir");
            // From here on the real path: every link on the way is root's or ours, and stays so.
            dir = trustedParent(dir.getParent(), me).resolve(dir.getFileName());
            // Others may pass through (0711) but not list: workers running as another user
            // (uid = ...) must reach agent.sock; the logs and the control socket stay private.
            ensureOwnDirectory(dir, me, RUN_DIR_MODE, "run dir");
            ensureOwnDirectory(dir.resolve("logs"), me, PRIVATE_MODE, "log dir");
            ensureOwnDirectory(dir.resolve("bin"), me, PRIVATE_MODE, "bin dir");
        } catch (IOException e) {
            throw new EmperorCommand.UserError("cannot create run dir " + dir + ": " + e.getMessage(), 2);
        }
        Path lockFile = dir.resolve("emperor.pid");
        try {
            FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                String other = Files.readString(lockFile, StandardCharsets.UTF_8).strip();
                ch.close();
                throw new EmperorCommand.UserError("another emperor" + (other.isEmpty() ? "" : " (pid " + other + ")")
                        + " is running with run dir " + dir + "; stop it or pass --run-dir", 2);
            }
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(false);
            return new RunDir(dir, ch, lock);
        } catch (IOException e) {
            throw new EmperorCommand.UserError("cannot lock " + lockFile + ": " + e.getMessage(), 2);
        }
    }

    /**
     * Walks {@code wanted} from "/" one name at a time, never following a link before it is
     * judged: each directory must be owned by root or us and not writable by others unless
     * sticky (else its owner could rename the run dir away and put their own in its place);
     * each symbolic link must be owned by root or us (else its owner could point it elsewhere
     * later), and is followed by walking its target the same way. A missing directory is
     * created (0755) only inside one already checked. Returns the real path.
     */
    private static Path trustedParent(Path wanted, long me) throws IOException {
        Deque<String> todo = new ArrayDeque<>();
        for (Path name : wanted) todo.add(name.toString());
        Path at = wanted.getRoot();
        checkAncestor(at, lstat(at), me);
        int links = 0;
        while (!todo.isEmpty()) {
            String name = todo.removeFirst();
            if (name.equals(".")) continue;
            if (name.equals("..")) {
                // `at` holds no link, so its parent is the real one, and already checked.
                if (at.getParent() != null) at = at.getParent();
                continue;
            }
            Path next = at.resolve(name);
            Map<String, Object> a;
            try {
                a = lstat(next);
            } catch (NoSuchFileException e) {
                try {
                    Files.createDirectory(next, PosixFilePermissions.asFileAttribute(ANCESTOR_MODE));
                } catch (FileAlreadyExistsException raced) {
                    // judged below like any other
                }
                a = lstat(next);
            }
            if ((Boolean) a.get("isSymbolicLink")) {
                long owner = ((Number) a.get("uid")).longValue();
                if (owner != 0 && owner != me) {
                    throw refused(next + " (on the way to the run dir) is a symbolic link owned by uid " + owner
                            + ", not by root or this emperor's user (uid " + me + "): its owner could point it"
                            + " elsewhere at any time. Pass a --run-dir without it");
                }
                if (++links > MAX_LINKS) throw refused("too many symbolic links on the way to " + wanted);
                Path target = Files.readSymbolicLink(next);
                Deque<String> expanded = new ArrayDeque<>();
                for (Path t : target) expanded.add(t.toString());
                expanded.addAll(todo);
                todo = expanded;
                if (target.isAbsolute()) at = target.getRoot();
                continue;
            }
            if (!(Boolean) a.get("isDirectory")) {
                throw refused(next + " (above the run dir) is not a directory; pass another --run-dir");
            }
            checkAncestor(next, a, me);
            at = next;
        }
        return at;
    }

    private static Map<String, Object> lstat(Path p) throws IOException {
        return Files.readAttributes(p, "unix:uid,mode,isDirectory,isSymbolicLink", LinkOption.NOFOLLOW_LINKS);
    }

    /** A directory above the run dir ({@code a}: its lstat): root's or ours, not writable by others unless sticky. */
    private static void checkAncestor(Path p, Map<String, Object> a, long me) {
        long owner = ((Number) a.get("uid")).longValue();
        int mode = (Integer) a.get("mode");
        if (owner != 0 && owner != me) {
            throw refused(p + " (above the run dir) is owned by uid " + owner + ", not by root or this emperor's"
                    + " user (uid " + me + "): its owner could replace the run dir. Choose a --run-dir in a"
                    + " directory of root's or your own");
        }
        if ((mode & 0022) != 0 && (mode & STICKY) == 0) {
            throw refused(p + " (above the run dir) is writable by group or others (mode "
                    + Integer.toOctalString(mode & 07777) + ") without the sticky bit: anyone could replace the"
                    + " run dir. Choose another --run-dir or run 'chmod go-w " + p + "'");
        }
    }

    /**
     * Makes {@code dir} with {@code mode}, or accepts an existing one only if it is a real
     * directory (not a link) of ours that nobody else can write; then sets {@code mode}.
     */
    private static void ensureOwnDirectory(Path dir, long me, Set<PosixFilePermission> mode, String what)
            throws IOException {
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            // checked below, like one made just now
        }
        Map<String, Object> a;
        try {
            a = Files.readAttributes(dir, "unix:uid,mode,isDirectory,isSymbolicLink", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw refused(what + " " + dir + " vanished while it was being created; someone else is using "
                    + dir.getParent());
        }
        long owner = ((Number) a.get("uid")).longValue();
        int bits = (Integer) a.get("mode");
        if ((Boolean) a.get("isSymbolicLink")) {
            throw refused(what + " " + dir + " is a symbolic link; the emperor never follows one there. Remove it"
                    + " (after checking where it points) or pass another --run-dir");
        }
        if (!(Boolean) a.get("isDirectory")) {
            throw refused(what + " " + dir + " exists and is not a directory; remove it or pass another --run-dir");
        }
        if (owner != me) {
            throw refused(what + " " + dir + " is owned by uid " + owner + ", not by this emperor's user (uid " + me
                    + "): someone else may have made it to take the emperor over. Check what is in it, remove it,"
                    + " or pass another --run-dir");
        }
        if ((bits & 0022) != 0) {
            throw refused(what + " " + dir + " is writable by group or others (mode " + Integer.toOctalString(bits & 07777)
                    + "): anyone could have changed what is in it. Check what is in it, remove it, or pass another"
                    + " --run-dir");
        }
        Files.setPosixFilePermissions(dir, mode); // ours, checked, not a link
    }

    private static EmperorCommand.UserError refused(String message) {
        return new EmperorCommand.UserError("unsafe run dir: " + message, 2);
    }

    Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lockChannel.close();
    }
}
