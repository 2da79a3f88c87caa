package dev.emperor.daemon;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

/**
 * Where the emperor keeps what must outlive it (the vassals an operator stopped), checked as
 * the run dir is: the directory itself is a real directory (not a link) of the emperor's own
 * user that nobody else can write, kept 0700; every directory above its real path is root's
 * or ours and not writable by others unless sticky, so nobody else can swap it away later.
 *
 * <p>Where: the {@code state-dir} setting; else systemd's {@code $STATE_DIRECTORY} (the unit's
 * {@code StateDirectory=}); else /var/lib/emperor for root; else {@code $XDG_STATE_HOME/emperor}
 * or ~/.local/state/emperor. Created only when something is first written, so an emperor that
 * never stops a vassal leaves nothing behind.
 */
public final class StateDir {

    private static final int STICKY = 01000;

    private StateDir() {
    }

    /** The state dir for a process of {@code uid} with {@code env}, unless {@code configured} says where. */
    public static Path locate(Optional<Path> configured, Map<String, String> env, long uid) {
        if (configured.isPresent()) return configured.get().toAbsolutePath().normalize();
        String systemd = env.get("STATE_DIRECTORY");
        if (systemd != null && !systemd.isBlank()) {
            // systemd lists one per StateDirectory= entry, colon-separated; the first is ours
            Path p = Path.of(systemd.split(":", 2)[0]);
            if (p.isAbsolute()) return p.normalize();
        }
        if (uid == 0) return Path.of("/var", "lib", "emperor");
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) return Path.of(xdg, "emperor").normalize();
        String home = env.getOrDefault("HOME", "");
        if (!home.isBlank() && Path.of(home).isAbsolute()) return Path.of(home, ".local", "state", "emperor").normalize();
        return Path.of("/var", "lib", "emperor", "uid-" + uid); // nowhere of our own: fails the checks below
    }

    /**
     * The checked real path of {@code dir}, created (0700, parents 0755) when {@code create};
     * empty when it does not exist and is not to be created. Throws with a sentence an
     * operator can act on when someone else could change it.
     */
    static Optional<Path> check(Path dir, long me, boolean create) throws IOException {
        Path parent = dir.getParent();
        if (parent == null) throw new IOException(dir + " cannot be a state dir");
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            if (!create) return Optional.empty();
            Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        Path real = parent.toRealPath();
        for (Path p = real; p != null; p = p.getParent()) checkAncestor(p, me);
        Path own = real.resolve(dir.getFileName());
        try {
            Files.createDirectory(own, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            // judged below like one made just now
        }
        Map<String, Object> a;
        try {
            a = Files.readAttributes(own, "unix:uid,mode,isDirectory,isSymbolicLink", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new IOException("state dir " + own + " vanished while it was being created");
        }
        long owner = ((Number) a.get("uid")).longValue();
        int mode = (Integer) a.get("mode");
        if ((Boolean) a.get("isSymbolicLink")) {
            throw new IOException("state dir " + own + " is a symbolic link; the emperor never follows one there."
                    + " Remove it (after checking where it points) or set state-dir");
        }
        if (!(Boolean) a.get("isDirectory")) throw new IOException("state dir " + own + " is not a directory");
        if (owner != me) {
            throw new IOException("state dir " + own + " is owned by uid " + owner + ", not by this emperor's user"
                    + " (uid " + me + "); check what is in it and remove it, or set state-dir");
        }
        if ((mode & 0022) != 0) {
            throw new IOException("state dir " + own + " is writable by group or others (mode "
                    + Integer.toOctalString(mode & 07777) + "); check what is in it, then 'chmod 700 " + own + "'");
        }
        if ((mode & 0777) != 0700) Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwx------"));
        return Optional.of(own);
    }

    private static void checkAncestor(Path p, long me) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        long owner = ((Number) a.get("uid")).longValue();
        int mode = (Integer) a.get("mode");
        if (owner != 0 && owner != me) {
            throw new IOException(p + " (above the state dir) is owned by uid " + owner + ", not by root or this"
                    + " emperor's user (uid " + me + "): its owner could replace the state dir. Set state-dir to a"
                    + " directory of root's or your own");
        }
        if ((mode & 0022) != 0 && (mode & STICKY) == 0) {
            throw new IOException(p + " (above the state dir) is writable by group or others (mode "
                    + Integer.toOctalString(mode & 07777) + ") without the sticky bit: anyone could replace the"
                    + " state dir. Set another state-dir or run 'chmod go-w " + p + "'");
        }
    }
}
