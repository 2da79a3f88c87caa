package dev.emperor.monitor;

import java.nio.file.Path;

/**
 * Whether a watched directory could be listed at the last scan, as /stats shows it.
 *
 * @param error       why it cannot be listed now, or null when it can
 * @param sinceMs     wall-clock time the current condition began (null: listable since start)
 * @param failures    listing attempts failed in a row
 * @param nextRetryMs when the next attempt is due (wall clock), null while listable
 */
public record DirectoryStatus(Path path, String error, Long sinceMs, int failures, Long nextRetryMs) {

    public boolean listable() {
        return error == null;
    }
}
