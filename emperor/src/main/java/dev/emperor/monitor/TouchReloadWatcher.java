package dev.emperor.monitor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@code touch-reload} files of every vassal: which of them changed since the last look.
 * Their folders are watched like the vassal directories, so a touch is seen at once. A file
 * that appears for the first time, or disappears, is not a touch; one that changes is.
 */
public final class TouchReloadWatcher {

    private final Consumer<Path> watchFolder;
    /** Last seen fingerprint of each vassal's touch-reload files (null: missing). */
    private final Map<String, Map<Path, Object>> stamps = new HashMap<>();

    public TouchReloadWatcher(Consumer<Path> watchFolder) {
        this.watchFolder = watchFolder;
    }

    /**
     * Looks at {@code vassal}'s {@code paths} now; returns the first that changed since the
     * previous look (the caller reloads the vassal), and remembers what it saw.
     */
    public Optional<Path> changed(String vassal, List<Path> paths) {
        Map<Path, Object> before = stamps.getOrDefault(vassal, Map.of());
        if (paths.isEmpty() && before.isEmpty()) return Optional.empty();
        Map<Path, Object> now = new HashMap<>();
        for (Path p : paths) {
            if (p.getParent() != null) watchFolder.accept(p.getParent());
            now.put(p, stamp(p));
        }
        stamps.put(vassal, now);
        for (Path p : paths) {
            if (before.containsKey(p) && now.get(p) != null && !Objects.equals(before.get(p), now.get(p))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Forgets a vassal that stopped. */
    public void forget(String vassal) {
        stamps.remove(vassal);
    }

    private static Object stamp(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return List.of(a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.size(), String.valueOf(a.fileKey()));
        } catch (IOException e) {
            return null;
        }
    }
}
