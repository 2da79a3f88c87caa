package dev.emperor.monitor;

import java.nio.file.Path;

/**
 * A candidate vassal file found by a scan.
 *
 * @param name        the vassal's name: the file name without its extension
 * @param path        the file as found in the directory (a symlink stays a symlink)
 * @param fingerprint what tells one version of the file from the next
 */
public record VassalFile(String name, Path path, Fingerprint fingerprint) {

    /**
     * Modification time (ns), size and identity (inode) of the file a path resolves to. A
     * touch changes the time, an edit the time or size, and an editor's write-then-rename
     * the inode: each is one change.
     */
    public record Fingerprint(long mtimeNanos, long size, Object fileKey) {
    }
}
