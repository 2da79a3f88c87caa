package dev.emperor.monitor;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One argument of {@code emperor run}: a directory (every vassal file in it) or a glob
 * ({@code vassals/*.ini}: the files in its directory whose names match). Not recursive.
 */
public final class VassalSource {

    /** Larger files through a symlink are fingerprinted by their metadata alone. */
    private static final long MAX_DIGESTED_BYTES = 1 << 20;

    private final String spec;
    private final Path directory;
    private final PathMatcher matcher;

    private VassalSource(String spec, Path directory, PathMatcher matcher) {
        this.spec = spec;
        this.directory = directory;
        this.matcher = matcher;
    }

    public static VassalSource parse(String spec) {
        Path p = Path.of(spec);
        boolean glob = spec.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
        if (!glob) {
            return new VassalSource(spec, p.toAbsolutePath().normalize(), null);
        }
        Path dir = p.getParent() == null ? Path.of("") : p.getParent();
        if (dir.toString().chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{')) {
            throw new IllegalArgumentException(spec + ": only the file name part may hold a glob pattern");
        }
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + p.getFileName());
        return new VassalSource(spec, dir.toAbsolutePath().normalize(), m);
    }

    public String spec() {
        return spec;
    }

    public Path directory() {
        return directory;
    }

    /**
     * The vassal files here now. Only a directory that cannot be listed (missing, no
     * permission, out of descriptors) is an {@link IOException}: the caller keeps that
     * source's vassals as they are rather than stopping them all because of a passing error.
     * An entry that cannot be read is returned with its {@link VassalFile#problem}, so one bad
     * entry never hides the others.
     */
    public List<VassalFile> scan() throws IOException {
        List<VassalFile> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                if (matcher != null && !matcher.matches(entry.getFileName())) continue;
                Optional<String> name = FileRules.vassalName(entry);
                if (name.isEmpty()) continue;
                try {
                    VassalFile file = read(name.get(), entry);
                    if (file != null) found.add(file);
                } catch (NoSuchFileException e) {
                    // gone between listing and stat, or a dangling symlink: not a vassal now
                } catch (IOException e) {
                    found.add(VassalFile.unreadable(name.get(), entry, inWords(e)));
                }
            }
        } catch (java.nio.file.DirectoryIteratorException e) {
            throw e.getCause();
        }
        found.sort(java.util.Comparator.comparing(f -> f.path().getFileName().toString()));
        return found;
    }

    /** The entry's fingerprint, or null when it is not a regular file (a directory, a fifo). */
    private static VassalFile read(String name, Path entry) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(entry, BasicFileAttributes.class); // follows symlinks
        if (!attrs.isRegularFile()) return null;
        long mtime = attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
        // Who owns the file and who may write it are part of its identity: a chown or chmod
        // changes what strict and tyrant mode decide, so it is a change (it touches ctime only).
        Map<String, Object> owner = Files.readAttributes(entry, "unix:uid,gid,mode");
        Object identity = List.of(String.valueOf(attrs.fileKey()), owner.get("uid"), owner.get("gid"), owner.get("mode"));
        if (!Files.isSymbolicLink(entry)) {
            return new VassalFile(name, entry, new VassalFile.Fingerprint(mtime, attrs.size(), identity));
        }
        // Through a symlink (a template, a ConfigMap's ..data/NAME): know the content, so
        // that a swap of targets with equal content is no change.
        Path target = entry.toRealPath();
        if (attrs.size() > MAX_DIGESTED_BYTES) {
            return new VassalFile(name, entry, new VassalFile.Fingerprint(mtime, attrs.size(), identity,
                    target, null));
        }
        byte[] digest;
        try {
            digest = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(target));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
        return new VassalFile(name, entry, new VassalFile.Fingerprint(mtime, attrs.size(), identity, target,
                digest));
    }

    /** An I/O error as an operator reads it: the errno's words, not a Java class name. */
    public static String inWords(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof NoSuchFileException) return "no such file or directory";
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason().toLowerCase(java.util.Locale.ROOT);
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    public String toString() {
        return spec;
    }
}
