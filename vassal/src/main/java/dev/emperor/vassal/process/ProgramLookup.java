package dev.emperor.vassal.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * Finds the program a worker will exec, as execvp would, but judged as the worker's own user:
 * the emperor (root) can reach files its tenants cannot, such as a shim in {@code /root/.pyenv}
 * first on the emperor's PATH, and a tenant's vassal must get the {@code /usr/bin/python3}
 * she may run instead of a 127 "Permission denied" (and must not learn, from the error, what
 * exists where she may not look).
 *
 * <p>For another user the mode bits decide (owner, then group and supplementary groups, then
 * others; root may search any directory and run a file with any execute bit), on every
 * directory the kernel would search, symbolic links included. ACLs and capabilities are not
 * considered: the exec in the spawner, as the user, stays the final judge.
 */
final class ProgramLookup {

    private static final int MAX_LINKS = 40;
    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    /** Whose rights count: the emperor's own user (the JDK's own checks), or a uid with its gid and groups. */
    sealed interface Runner permits Emperor, User {
    }

    record Emperor() implements Runner {
    }

    record User(int uid, int gid, int[] groups) implements Runner {
        String describe() {
            return "uid " + Integer.toUnsignedString(uid);
        }
    }

    private ProgramLookup() {
    }

    /**
     * The program for {@code argv0}: a name with a slash is a path from {@code directory}, else
     * the first file on the worker's PATH ({@code environment}'s, else a default) that
     * {@code runner} may execute.
     */
    static Path resolve(String argv0, Map<String, String> environment, Path directory, Runner runner)
            throws LaunchException {
        if (argv0.isEmpty()) throw new LaunchException("the command is empty");
        if (argv0.contains("/")) {
            Path p = directory.resolve(argv0).normalize();
            switch (runner) {
                case Emperor e -> {
                    if (!Files.exists(p)) throw new LaunchException("program " + p + " does not exist");
                    if (Files.isDirectory(p) || !Files.isExecutable(p)) {
                        throw new LaunchException("program " + p + " is not an executable file");
                    }
                }
                case User u -> {
                    // One message either way: the tenant learns nothing about paths she may not search.
                    if (!mayRun(p, u)) {
                        throw new LaunchException("program " + p + " does not exist or is not a file "
                                + u.describe() + " may run");
                    }
                }
            }
            return p;
        }
        String path = environment.getOrDefault("PATH", DEFAULT_PATH);
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = directory.resolve(dir).resolve(argv0).normalize();
            boolean runs = switch (runner) {
                case Emperor e -> Files.isRegularFile(p) && Files.isExecutable(p);
                case User u -> mayRun(p, u);
            };
            if (runs) return p;
        }
        String who = runner instanceof User u ? " that " + u.describe() + " may run" : "";
        throw new LaunchException("program '" + argv0 + "' not found on PATH (" + path + ")" + who);
    }

    /**
     * Whether {@code user} could exec {@code file} (absolute): every directory on the way
     * searchable by them, symbolic links resolved as the kernel would, the file a regular file
     * they may execute.
     */
    static boolean mayRun(Path file, User user) {
        Path absolute = file.toAbsolutePath();
        Deque<String> todo = new ArrayDeque<>();
        for (Path name : absolute) todo.add(name.toString());
        try {
            Path at = absolute.getRoot();
            Map<String, Object> here = attributes(at);
            int links = 0;
            while (!todo.isEmpty()) {
                if (!isDirectory(here) || !mayExecute(here, user)) return false;
                String name = todo.removeFirst();
                if (name.equals(".")) continue;
                if (name.equals("..")) {
                    // `at` holds no symbolic link, so its parent is the real one.
                    if (at.getParent() != null) at = at.getParent();
                    here = attributes(at);
                    continue;
                }
                Path next = at.resolve(name);
                Map<String, Object> a = attributes(next);
                if ((Boolean) a.get("isSymbolicLink")) {
                    if (++links > MAX_LINKS) return false;
                    Path target = Files.readSymbolicLink(next);
                    Deque<String> expanded = new ArrayDeque<>();
                    for (Path t : target) expanded.add(t.toString());
                    expanded.addAll(todo);
                    todo = expanded;
                    if (target.isAbsolute()) {
                        at = target.getRoot();
                        here = attributes(at);
                    }
                    continue;
                }
                at = next;
                here = a;
            }
            return (Boolean) here.get("isRegularFile") && mayExecute(here, user);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static Map<String, Object> attributes(Path p) throws IOException {
        return Files.readAttributes(p, "unix:mode,uid,gid,isDirectory,isRegularFile,isSymbolicLink",
                LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean isDirectory(Map<String, Object> a) {
        return (Boolean) a.get("isDirectory");
    }

    /** The kernel's rule for execute (search, on a directory): owner bits, else group, else others; root as above. */
    private static boolean mayExecute(Map<String, Object> a, User user) {
        int mode = (Integer) a.get("mode");
        if (user.uid() == 0) {
            return isDirectory(a) || (mode & 0111) != 0;
        }
        if ((Integer) a.get("uid") == user.uid()) return (mode & 0100) != 0;
        int gid = (Integer) a.get("gid");
        boolean member = gid == user.gid();
        for (int g : user.groups()) member |= g == gid;
        if (member) return (mode & 0010) != 0;
        return (mode & 0001) != 0;
    }
}
