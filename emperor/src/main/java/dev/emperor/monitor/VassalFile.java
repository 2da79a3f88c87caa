package dev.emperor.monitor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A candidate vassal file found by a scan.
 *
 * @param name        the vassal's name: the file name without its extension
 * @param path        the file as found in the directory (a symlink stays a symlink)
 * @param fingerprint what tells one version of the file from the next
 * @param problem     why the entry cannot be read (the errno in words: a symlink loop, no
 *                    permission), if it cannot; such an entry becomes that vassal's error
 */
public record VassalFile(String name, Path path, Fingerprint fingerprint, Optional<String> problem) {

    public VassalFile(String name, Path path, Fingerprint fingerprint) {
        this(name, path, fingerprint, Optional.empty());
    }

    /** An entry that is there but cannot be read. */
    public static VassalFile unreadable(String name, Path path, String problem) {
        return new VassalFile(name, path, new Fingerprint(0, -1, problem, null, null, null), Optional.of(problem));
    }

    /**
     * Whether {@code next}, found by a later scan, is another version of this file: reload. A
     * problem that appears or changes is a change (the vassal shows it); one that clears is
     * judged by the caller against the last version that could be read (see
     * {@code Reconciler}), so an entry that was unreadable for a while and comes back as it was
     * is not reloaded.
     */
    public boolean changedTo(VassalFile next) {
        return !path.equals(next.path) || !problem.equals(next.problem) || fingerprint.changedTo(next.fingerprint);
    }

    /**
     * Modification time (ns), size and identity (inode) of the file a path resolves to, and who
     * owns it and may write it. A touch changes the time, an edit the time or size, an editor's
     * write-then-rename the inode, and a chown or chmod the {@code access} (strict and tyrant
     * mode decide by it; it changes ctime only): each is one change.
     *
     * <p>For an entry that is a symlink, {@code target} (the real path it resolves to) and
     * {@code digest} (SHA-256 of the content; null when it is too large or not the link
     * owner's to read) are kept too: a Kubernetes ConfigMap update swaps every file's target at
     * once, and only the files whose content (or owner or mode) differs have changed; a touch of
     * the same target (a template many vassals link to) is still a change.
     *
     * @param access who owns it and may write it, compared as a whole (null: unknown)
     */
    public record Fingerprint(long mtimeNanos, long size, Object fileKey, Object access, Path target, byte[] digest) {

        public Fingerprint(long mtimeNanos, long size, Object fileKey, Object access) {
            this(mtimeNanos, size, fileKey, access, null, null);
        }

        /** Whether the same target, unchanged, is still there: its digest need not be computed again. */
        public boolean sameTarget(Path target, Object fileKey, long size, long mtimeNanos) {
            return Objects.equals(this.target, target) && Objects.equals(this.fileKey, fileKey) && this.size == size
                    && this.mtimeNanos == mtimeNanos;
        }

        boolean changedTo(Fingerprint next) {
            if (!Objects.equals(access, next.access)) return true; // judged anew by strict and tyrant mode
            boolean statChanged = mtimeNanos != next.mtimeNanos || size != next.size
                    || !Objects.equals(fileKey, next.fileKey);
            if (digest == null || next.digest == null) return statChanged;
            if (!Arrays.equals(digest, next.digest)) return true;
            return statChanged && Objects.equals(target, next.target); // same file touched; a swap to equal content is not
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Fingerprint f && !changedTo(f) && Objects.equals(target, f.target);
        }

        @Override
        public int hashCode() {
            return Objects.hash(mtimeNanos, size, fileKey, access, target);
        }
    }
}
