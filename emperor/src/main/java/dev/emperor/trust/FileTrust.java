package dev.emperor.trust;

import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader.LoadedConfig;
import dev.emperor.vassal.process.ProcessLimits;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * StrictModes for a root emperor, as sshd has them: which vassals directories, vassal files,
 * includes and {@code @(file)} reads it may use, and in tyrant mode as whom a vassal runs.
 *
 * <p>Trusted are root and the emperor's own user. A path is theirs when nobody else owns a
 * directory on it, a symlink it follows or the file, and nothing on it is writable by group
 * or others (a sticky directory such as /tmp may be passed through, but not hold the file).
 * With {@code strict} such a path is refused, else used with a warning. In {@code tyrant}
 * mode a vassal file that one other user controls runs as that user, and its includes may
 * be theirs too. Whatever the mode, the emperor never reads a file for a user who could not
 * read it: a symlink or include to a root-only file is refused.
 *
 * <p>Immutable; checks may run on any thread.
 */
public final class FileTrust {

    private final boolean strict;
    private final boolean tyrant;
    private final Set<Integer> trusted;

    /**
     * @param strict refuse what is not trusted (else warn)
     * @param tyrant run each vassal as its file's owner
     * @param euid   the emperor's effective uid, trusted together with root
     */
    public FileTrust(boolean strict, boolean tyrant, int euid) {
        this.strict = strict;
        this.tyrant = tyrant;
        this.trusted = euid == 0 ? Set.of(0) : Set.of(0, euid);
    }

    /** For this process: {@code strict} defaults to on for a root emperor, as the design says. */
    public static FileTrust forThisProcess(Optional<Boolean> strict, boolean tyrant) {
        int euid = Libc.c().geteuid();
        return new FileTrust(strict.orElse(euid == 0), tyrant, euid);
    }

    /**
     * A setting that cannot work, for {@code emperor run} to refuse at start: tyrant mode
     * needs root, since only root can start a process as another user.
     */
    public static Optional<String> settingsProblem(boolean tyrant) {
        if (tyrant && Libc.c().geteuid() != 0) {
            return Optional.of("tyrant = true needs an emperor running as root: only root can run each vassal as "
                    + "its file's owner; start it as root or remove tyrant");
        }
        return Optional.empty();
    }

    public boolean strict() {
        return strict;
    }

    public boolean tyrant() {
        return tyrant;
    }

    /**
     * A vassals directory: who may add, replace and remove vassal files. In tyrant mode a
     * sticky directory every user may write (a shared drop box) is what it is for.
     */
    public TrustVerdict checkDirectory(Path dir) {
        try (PathWalk walk = PathWalk.toDirectory(dir)) {
            PathCheck check = PathCheck.of(walk, trusted, tyrant);
            List<String> problems = new ArrayList<>(check.writable());
            if (!tyrant && !check.controllers().isEmpty()) problems.add(ownedBy(dir, check, "the vassals directory"));
            return verdict(dir, problems, List.of(), Optional.empty(), List.of());
        } catch (IOException e) {
            return new TrustVerdict.Refused(dir, List.of(unreadable(dir, e)));
        }
    }

    /** A vassal file, before it is parsed: call it at every scan, and load it only if usable. */
    public TrustVerdict check(Path vassalFile) {
        try (PathWalk walk = PathWalk.toFile(vassalFile)) {
            return judge(vassalFile, walk);
        } catch (IOException e) {
            return new TrustVerdict.Refused(vassalFile, List.of(unreadable(vassalFile, e)));
        }
    }

    /**
     * One of the emperor's own files: a settings file given with {@code --ini} and the like,
     * or a {@code vassals-include} template. They decide for every vassal, so only root and
     * the emperor's user may control them, in tyrant mode too.
     */
    public TrustVerdict checkEmperorFile(Path file) {
        try (PathWalk walk = PathWalk.toFile(file)) {
            PathCheck check = PathCheck.of(walk, trusted, false);
            List<String> problems = new ArrayList<>(check.writable());
            if (!check.controllers().isEmpty()) problems.add(ownedBy(file, check, "an emperor settings file"));
            // it acts as root: tyrant mode holds it to the strict checks, as it does root's vassal files
            boolean hold = rootOnlyIfTrusted(Optional.empty());
            return verdict(file, hold ? List.of() : problems, hold ? problems : List.of(), Optional.empty(), List.of());
        } catch (IOException e) {
            return new TrustVerdict.Refused(file, List.of(unreadable(file, e)));
        }
    }

    /**
     * In tyrant mode, the user {@code vassalFile} runs as: its owner, or empty for a file
     * of root or the emperor's user (which runs as its own {@code uid}/{@code gid} say).
     *
     * @throws ConfigException when the file is refused
     */
    public Optional<Identity> tyrantIdentity(Path vassalFile) throws ConfigException {
        TrustVerdict verdict = check(vassalFile);
        verdict.requireUsable();
        return verdict.runAs();
    }

    /** The policy to load a vassal file with: its includes and {@code @(file)} reads judged for this verdict. */
    public TrustedReadPolicy readPolicy(TrustVerdict verdict) {
        return new TrustedReadPolicy(this, verdict);
    }

    /**
     * In tyrant mode, refuses a {@code uid}/{@code gid} other than the file owner's and pins
     * both to the owner; for root's own files and outside tyrant mode, {@code loaded} as it is.
     * Call it on the vassal's own options, before the emperor's defaults are applied.
     */
    public LoadedConfig applyTyrant(TrustVerdict verdict, LoadedConfig loaded) throws ConfigException {
        verdict.requireUsable();
        if (!tyrant || verdict.runAs().isEmpty()) return loaded;
        return TyrantRule.apply(verdict.runAs().get(), loaded);
    }

    /**
     * In tyrant mode, refuses resource limits a tenant's vassal asks for above the emperor's
     * own hard limits (the spawner sets them while still root); nothing for root's own files.
     * Call it with the limits of the vassal's validated settings.
     */
    public void checkLimits(TrustVerdict verdict, ProcessLimits limits) throws ConfigException {
        if (tyrant && verdict.runAs().isPresent()) TenantLimits.check(verdict.runAs().get(), verdict.path(), limits);
    }

    /** The verdict on a walked vassal file: shared by {@link #check} and the read of the same file. */
    TrustVerdict judge(Path file, PathWalk walk) {
        PathCheck check = PathCheck.of(walk, trusted, tyrant);
        List<String> problems = new ArrayList<>(check.writable());
        List<String> fatal = new ArrayList<>();
        Optional<Identity> runAs = Optional.empty();
        Map<Integer, String> controllers = check.controllers();
        if (!controllers.isEmpty()) {
            if (!tyrant) {
                problems.add(ownedBy(file, check, "a vassal file") + (strict ? "; or run the emperor with tyrant = true "
                        + "to run such files as their owner" : ""));
            } else if (controllers.size() > 1) {
                fatal.add(file + " is controlled by several users (" + describe(check)
                        + "); tyrant mode runs a vassal as one user: the file and the directories and symlinks "
                        + "leading to it must all belong to its owner or to root");
            } else {
                int uid = controllers.keySet().iterator().next();
                runAs = UserDb.byUid(uid);
                if (runAs.isEmpty()) {
                    fatal.add(file + " is owned by uid " + Integer.toUnsignedString(uid) + ", which has no account; "
                            + "tyrant mode runs vassals only as users the system knows");
                }
            }
        }
        List<Identity> readers = readersOf(check);
        fatal.addAll(PathCheck.unreadable(walk, readers));
        if (rootOnlyIfTrusted(runAs) && fatal.isEmpty() && !problems.isEmpty()) {
            fatal.add(file + " would run as root (or the emperor's user), which tyrant mode allows only for files that "
                    + "pass the strict checks, whatever strict says");
        }
        return verdict(file, problems, fatal, runAs, readers);
    }

    /**
     * In tyrant mode, a file that runs as root (nobody else controls it) must pass the
     * strict checks even with strict off: tyrant mode promises that no other user's file,
     * name or include runs as root.
     */
    boolean rootOnlyIfTrusted(Optional<Identity> runAs) {
        return tyrant && runAs.isEmpty();
    }

    /** Trusted uids: root and the emperor's user. */
    Set<Integer> trusted() {
        return trusted;
    }

    static List<Identity> readersOf(PathCheck check) {
        List<Identity> out = new ArrayList<>();
        for (int uid : check.controllers().keySet()) {
            out.add(UserDb.byUid(uid).orElse(new Identity(uid, -1, "uid " + Integer.toUnsignedString(uid))));
        }
        return out;
    }

    private TrustVerdict verdict(Path path, List<String> problems, List<String> fatal, Optional<Identity> runAs,
                                 List<Identity> readers) {
        if (!fatal.isEmpty()) {
            List<String> all = new ArrayList<>(fatal);
            all.addAll(problems);
            return new TrustVerdict.Refused(path, List.copyOf(all));
        }
        if (problems.isEmpty()) return new TrustVerdict.Trusted(path, runAs, List.copyOf(readers));
        if (strict) return new TrustVerdict.Refused(path, List.copyOf(problems));
        return new TrustVerdict.Doubtful(path, runAs, List.copyOf(readers), List.copyOf(problems));
    }

    static String describe(PathCheck check) {
        return check.controllers().entrySet().stream()
                .map(e -> UserDb.describe(e.getKey()) + " owns " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String ownedBy(Path path, PathCheck check, String what) {
        String first = check.controllers().values().iterator().next();
        return path + " is " + what + " that other users control (" + describe(check) + "), not only root or the "
                + "emperor's user: chown root " + first;
    }

    private static String unreadable(Path path, IOException e) {
        if (e instanceof NoSuchFileException) return path + " does not exist";
        return e.getMessage() == null ? path + ": " + e : e.getMessage();
    }
}
