package dev.emperor.trust;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A path walked one component at a time from {@code /}, each opened relative to the one
 * before with O_NOFOLLOW and examined through its own descriptor. Symlinks are read and
 * their text walked the same way, so every directory, link and file that decides what is
 * read is seen, and the file at the end is the one that was checked: nobody can swap a
 * component between the check and the read. A file is opened with O_NONBLOCK (a FIFO
 * cannot hang the caller) only after it was seen to be a regular file.
 *
 * @param asked  the path as given
 * @param steps  every directory passed through, every symlink followed, and the target, in order
 * @param parent the directory that holds the target
 * @param fd     a read-only descriptor on the target when it is a file, else -1; {@link #close()} closes it
 */
record PathWalk(Path asked, List<Step> steps, Step parent, int fd) implements AutoCloseable {

    /** What a step is to the walk. */
    enum Role { DIRECTORY, SYMLINK, TARGET }

    /** One component: its physical path, what statx says of it, and its role. */
    record Step(String path, FileStat stat, Role role) {
    }

    /** Symlinks followed in one walk before it is refused, as the kernel's own limit. */
    static final int MAX_LINKS = 40;

    Step target() {
        return steps.get(steps.size() - 1);
    }

    @Override
    public void close() {
        Libc.closeQuietly(fd);
    }

    /** Walks to a regular file and opens it for reading. */
    static PathWalk toFile(Path path) throws IOException {
        return walk(path, false);
    }

    /** Walks to a directory. */
    static PathWalk toDirectory(Path path) throws IOException {
        return walk(path, true);
    }

    private static PathWalk walk(Path path, boolean directory) throws IOException {
        Path absolute = path.toAbsolutePath();
        Deque<String> todo = new ArrayDeque<>(List.of(absolute.toString().split("/")));
        Deque<Integer> fds = new ArrayDeque<>();
        Deque<String> names = new ArrayDeque<>();
        List<Step> steps = new ArrayList<>();
        Deque<Step> dirSteps = new ArrayDeque<>();
        int links = 0;
        try {
            int root = open(Libc.AT_FDCWD, "/", Libc.O_PATH | Libc.O_DIRECTORY, path);
            fds.push(root);
            Step rootStep = new Step("/", FileStat.of(root), Role.DIRECTORY);
            steps.add(rootStep);
            dirSteps.push(rootStep);
            while (true) {
                String name = todo.pollFirst();
                if (name == null) {
                    // the path ended on a directory ("/", or a trailing "..")
                    if (!directory) throw new IOException(path + " is a directory, not a file");
                    Step dir = dirSteps.peek();
                    steps.remove(dir); // judged as the target, not as a directory passed through
                    steps.add(new Step(dir.path(), dir.stat(), Role.TARGET));
                    return new PathWalk(path, List.copyOf(steps), dirSteps.size() > 1 ? second(dirSteps) : dir, -1);
                }
                if (name.isEmpty() || name.equals(".")) continue;
                if (name.equals("..")) {
                    if (fds.size() > 1) {
                        Libc.closeQuietly(fds.pop());
                        names.pop();
                        dirSteps.pop();
                    }
                    continue;
                }
                int dirfd = fds.peek();
                String here = join(names, name);
                FileStat st = stat(dirfd, name, here, path);
                if (st.isSymlink()) {
                    if (++links > MAX_LINKS) throw new IOException(path + ": more than " + MAX_LINKS + " symlinks");
                    steps.add(new Step(here, st, Role.SYMLINK));
                    String text = readLink(dirfd, name, here);
                    String[] parts = text.split("/");
                    for (int i = parts.length - 1; i >= 0; i--) todo.addFirst(parts[i]);
                    if (text.startsWith("/")) {
                        while (fds.size() > 1) {
                            Libc.closeQuietly(fds.pop());
                            names.pop();
                            dirSteps.pop();
                        }
                    }
                    continue;
                }
                boolean last = todo.stream().allMatch(s -> s.isEmpty() || s.equals("."));
                if (last && !directory) {
                    if (!st.isRegularFile()) throw new IOException(here + " is not a regular file");
                    int fd = open(dirfd, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_NOCTTY, path);
                    FileStat opened = FileStat.of(fd);
                    if (!opened.isRegularFile() || opened.inode() != st.inode()) {
                        Libc.closeQuietly(fd);
                        throw new IOException(here + " changed while it was being checked; it is read again at the next scan");
                    }
                    steps.add(new Step(here, opened, Role.TARGET));
                    return new PathWalk(path, List.copyOf(steps), dirSteps.peek(), fd);
                }
                if (!st.isDirectory()) throw new IOException(here + " is not a directory");
                int fd = open(dirfd, name, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_NOFOLLOW, path);
                fds.push(fd);
                names.push(name);
                Step step = new Step(here, FileStat.of(fd), Role.DIRECTORY);
                steps.add(step);
                dirSteps.push(step);
            }
        } finally {
            for (int fd : fds) Libc.closeQuietly(fd);
        }
    }

    private static Step second(Deque<Step> dirSteps) {
        var it = dirSteps.iterator();
        it.next();
        return it.next();
    }

    private static String join(Deque<String> names, String name) {
        StringBuilder sb = new StringBuilder();
        for (var it = names.descendingIterator(); it.hasNext(); ) sb.append('/').append(it.next());
        return sb.append('/').append(name).toString();
    }

    private static int open(int dirfd, String name, int flags, Path asked) throws IOException {
        try {
            return Libc.c().openat(dirfd, name, flags | Libc.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Libc.ENOENT) throw new NoSuchFileException(asked.toString());
            if (e.getErrorCode() == Libc.ELOOP || e.getErrorCode() == Libc.ENOTDIR) {
                throw new IOException(asked + " changed while it was being checked; it is read again at the next scan");
            }
            throw new IOException("cannot open " + asked + ": " + Libc.describe(e));
        }
    }

    private static FileStat stat(int dirfd, String name, String here, Path asked) throws IOException {
        try {
            return FileStat.at(dirfd, name);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Libc.ENOENT) throw new NoSuchFileException(asked.toString());
            throw new IOException("cannot examine " + here + ": " + Libc.describe(e));
        }
    }

    private static String readLink(int dirfd, String name, String here) throws IOException {
        byte[] buf = new byte[4096];
        try {
            long n = Libc.c().readlinkat(dirfd, name, buf, buf.length);
            if (n >= buf.length) throw new IOException("the symlink " + here + " is too long");
            return new String(buf, 0, (int) n, StandardCharsets.UTF_8);
        } catch (LastErrorException e) {
            throw new IOException("cannot read the symlink " + here + ": " + Libc.describe(e));
        }
    }
}
