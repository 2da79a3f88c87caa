package dev.emperor.daemon;

import dev.emperor.monitor.DirectoryStatus;
import dev.emperor.monitor.VassalSource;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Whether each watched directory can be listed, for the {@link Reconciler}: a directory that
 * cannot be listed is logged once per distinct error, shown in /stats and retried after 1 s,
 * 2 s, 4 s ... up to 30 s (one retry timer for all of them).
 *
 * <p>Used on the event loop only.
 */
final class DirectoryHealth {

    private static final System.Logger LOG = System.getLogger("emperor");
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private final Reconciler.Scheduler scheduler;
    private final LongSupplier wallClock;
    private final Map<Path, DirState> dirs = new LinkedHashMap<>();
    private boolean retryPending;

    DirectoryHealth(Reconciler.Scheduler scheduler, LongSupplier wallClock) {
        this.scheduler = scheduler;
        this.wallClock = wallClock;
    }

    /** The directories watched from now on: the others are forgotten, new ones start out listable. */
    void watching(List<VassalSource> sources) {
        Set<Path> keep = new HashSet<>();
        for (VassalSource s : sources) keep.add(s.directory());
        dirs.keySet().removeIf(d -> !keep.contains(d));
        for (VassalSource s : sources) dirs.putIfAbsent(s.directory(), new DirState());
    }

    void listingFailed(Path dir, String why) {
        DirState d = dirs.computeIfAbsent(dir, k -> new DirState());
        long now = wallClock.getAsLong();
        if (d.error == null || !d.error.equals(why)) {
            if (d.error == null) d.sinceMs = now;
            LOG.log(Level.ERROR, "cannot list vassal directory " + dir + " (" + why + "); its vassals keep running"
                    + " as they are, and it is tried again with backoff until it can be listed");
        }
        d.error = why;
        d.failures++;
        Duration delay = retryDelay(d.failures);
        d.nextRetryMs = now + delay.toMillis();
        if (!retryPending) {
            retryPending = true;
            scheduler.schedule(delay, new EmperorEvent.Rescan(EmperorEvent.Rescan.Why.RETRY));
        }
    }

    void listed(Path dir) {
        DirState d = dirs.computeIfAbsent(dir, k -> new DirState());
        if (d.error != null) {
            LOG.log(Level.INFO, "vassal directory " + dir + " can be listed again (after " + d.failures
                    + " failed attempt(s)); acting on what changed meanwhile");
            d.sinceMs = wallClock.getAsLong();
        }
        d.error = null;
        d.failures = 0;
        d.nextRetryMs = null;
    }

    /** 1 s, 2 s, 4 s ... up to 30 s. */
    static Duration retryDelay(int failures) {
        long ms = FIRST_RETRY.toMillis() << Math.min(failures - 1, 20);
        return Duration.ofMillis(Math.min(ms, MAX_RETRY.toMillis()));
    }

    /** The retry timer fired: the next scan may schedule another. */
    void retryDue() {
        retryPending = false;
    }

    List<DirectoryStatus> statuses() {
        List<DirectoryStatus> list = new ArrayList<>(dirs.size());
        dirs.forEach((path, d) -> list.add(new DirectoryStatus(path, d.error, d.sinceMs, d.failures, d.nextRetryMs)));
        return list;
    }

    private static final class DirState {
        String error;
        Long sinceMs;
        int failures;
        Long nextRetryMs;
    }
}
