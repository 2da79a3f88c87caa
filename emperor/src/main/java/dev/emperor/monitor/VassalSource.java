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
import java.util.Optional;

/**
 * One argument of {@code emperor run}: a directory (every vassal file in it) or a glob
 * ({@code vassals/*.ini}: the files in its directory whose names match). Not recursive.
 */
public final class VassalSource {

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
     * The vassal files here now. A missing or unreadable directory is an
     * {@link IOException}: the caller keeps that source's vassals as they are rather than
     * stopping them all because of a passing error.
     */
    public List<VassalFile> scan() throws IOException {
        List<VassalFile> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                if (matcher != null && !matcher.matches(entry.getFileName())) continue;
                Optional<String> name = FileRules.vassalName(entry);
                if (name.isEmpty()) continue;
                BasicFileAttributes attrs;
                try {
                    attrs = Files.readAttributes(entry, BasicFileAttributes.class); // follows symlinks
                } catch (NoSuchFileException e) {
                    continue; // gone between listing and stat, or a dangling symlink
                }
                if (!attrs.isRegularFile()) continue;
                found.add(new VassalFile(name.get(), entry, new VassalFile.Fingerprint(
                        attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                        attrs.size(), attrs.fileKey())));
            }
        }
        found.sort(java.util.Comparator.comparing(f -> f.path().getFileName().toString()));
        return found;
    }

    @Override
    public String toString() {
        return spec;
    }
}
