package dev.emperor.monitor;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
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
    /** The symlinked entries' fingerprints with a digest at the last scan (loop thread only). */
    private Map<Path, VassalFile.Fingerprint> digested = Map.of();

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
     * permission) is an {@link IOException}: the caller keeps that source's vassals as they are
     * rather than stopping them all because of a passing error. So is the emperor's own
     * shortage (out of descriptors or memory) while reading any entry: that says nothing about
     * the file, so no vassal is made to show it. An entry that cannot be read is returned with
     * its {@link VassalFile#problem}, so one bad entry never hides the others.
     */
    public List<VassalFile> scan() throws IOException {
        List<VassalFile> found = new ArrayList<>();
        Map<Path, VassalFile.Fingerprint> seen = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                if (matcher != null && !matcher.matches(entry.getFileName())) continue;
                Optional<String> name = FileRules.vassalName(entry);
                if (name.isEmpty()) continue;
                try {
                    VassalFile file = read(name.get(), entry);
                    if (file == null) continue;
                    found.add(file);
                    if (file.fingerprint().digest() != null) seen.put(entry, file.fingerprint());
                } catch (NoSuchFileException e) {
                    // gone between listing and stat, or a dangling symlink: not a vassal now
                } catch (IOException e) {
                    if (isShortage(e)) {
                        throw new IOException("cannot read " + entry + ": " + inWords(e), e);
                    }
                    found.add(VassalFile.unreadable(name.get(), entry, inWords(e)));
                }
            }
        } catch (java.nio.file.DirectoryIteratorException e) {
            throw e.getCause();
        }
        digested = seen;
        found.sort(java.util.Comparator.comparing(f -> f.path().getFileName().toString()));
        return found;
    }

    /** The entry's fingerprint, or null when it is not a regular file (a directory, a fifo). */
    private VassalFile read(String name, Path entry) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isSymbolicLink()) {
            if (!attrs.isRegularFile()) return null;
            // Who owns the file and who may write it are part of its identity: a chown or chmod
            // changes what strict and tyrant mode decide, so it is a change (it touches ctime only).
            Map<String, Object> owner = Files.readAttributes(entry, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
            return new VassalFile(name, entry, new VassalFile.Fingerprint(
                    attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), attrs.size(),
                    String.valueOf(attrs.fileKey()),
                    List.of(owner.get("uid"), owner.get("gid"), (Integer) owner.get("mode") & 07777)));
        }
        // Through a symlink (a template, a ConfigMap's ..data/NAME): know the content, so that a
        // swap of targets with equal content is no change. The path is resolved without opening
        // anything, then the target is opened once, without following a link or waiting on a
        // FIFO, and judged and read through that descriptor, at most MAX_DIGESTED_BYTES + 1.
        Path target = entry.toRealPath();
        int linkOwner = TargetFile.lstat(entry).uid();
        VassalFile.Fingerprint before = digested.get(entry);
        TargetFile file = TargetFile.open(target, st -> st.size() <= MAX_DIGESTED_BYTES
                && (st.uid() == linkOwner || (st.mode() & 04) != 0) // not root's read of what the link's owner cannot read
                && (before == null || !before.sameTarget(target, st.fileKey(), st.size(), st.mtimeNanos())),
                (int) MAX_DIGESTED_BYTES);
        TargetFile.Stat st = file.stat();
        if (!st.isRegularFile()) return null;
        List<Integer> access = List.of(linkOwner, st.uid(), st.gid(), st.mode() & 07777);
        byte[] digest = null;
        if (file.prefix() != null && file.prefix().length <= MAX_DIGESTED_BYTES) {
            digest = sha256(file.prefix());
        } else if (file.prefix() == null && before != null
                && before.sameTarget(target, st.fileKey(), st.size(), st.mtimeNanos())) {
            digest = before.digest(); // unchanged since the last scan: its content is known
        }
        return new VassalFile(name, entry, new VassalFile.Fingerprint(st.mtimeNanos(), st.size(), st.fileKey(),
                access, target, digest));
    }

    private static byte[] sha256(byte[] content) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(content);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    /**
     * The emperor short of descriptors or memory (EMFILE, ENFILE, ENOMEM): a passing condition
     * of the emperor, not a problem of the file.
     */
    static boolean isShortage(IOException e) {
        if (e instanceof TargetFile.Failure f) {
            return f.errno == TargetFile.EMFILE || f.errno == TargetFile.ENFILE || f.errno == TargetFile.ENOMEM;
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            String reason = f.getReason();
            for (int errno : new int[] {TargetFile.EMFILE, TargetFile.ENFILE, TargetFile.ENOMEM}) {
                if (reason.equalsIgnoreCase(TargetFile.C.INSTANCE.strerror(errno))) return true;
            }
        }
        return false;
    }

    /** An I/O error as an operator reads it: the errno's words, not a Java class name. */
    public static String inWords(IOException e) {
        if (e instanceof TargetFile.Failure f) return f.reason().toLowerCase(java.util.Locale.ROOT);
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
