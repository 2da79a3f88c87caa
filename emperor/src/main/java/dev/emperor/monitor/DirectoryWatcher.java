package dev.emperor.monitor;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Tells when something changed in the watched directories, using the kernel's notifications
 * (inotify behind the JDK's WatchService; attribute changes such as a touch count too). It
 * only says "look again": what changed is found by a scan, so no event can be misread, and a
 * burst of events (or an inotify overflow) costs one scan.
 */
public final class DirectoryWatcher implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.monitor");

    private final WatchService service;
    /** Each watched directory: which directory it was (its fileKey) when registered, and its key. */
    private final Map<Path, Registration> registered = new HashMap<>();
    private final Runnable onChange;
    private final Thread thread;

    public DirectoryWatcher(Runnable onChange) throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.onChange = onChange;
        this.thread = Thread.ofPlatform().name("emperor-watcher").daemon(true).unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    private record Registration(Object fileKey, WatchKey key) {
    }

    /** Stops watching {@code dir} (a reload of the emperor's settings dropped it). */
    public synchronized void unwatch(Path dir) {
        Registration r = registered.remove(dir);
        if (r != null) r.key().cancel();
    }

    /**
     * Watches {@code dir} if it is not watched yet, or if the directory under that name is no
     * longer the one watched: inotify follows an inode, so after {@code mv v v.bak; mkdir v} the
     * old watch reports on {@code v.bak} and the new {@code v} needs a watch of its own. Every
     * scan calls this, so a stat per directory per scan keeps that true. Returns false (and
     * logs) when it cannot be watched now; the periodic rescan calls this again, so a directory
     * that appears later is picked up.
     */
    public synchronized boolean watch(Path dir) {
        Registration known = registered.get(dir);
        try {
            Object fileKey = Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
            if (known != null && known.key().isValid() && Objects.equals(known.fileKey(), fileKey)) return true;
            if (known != null) known.key().cancel(); // the old inode (moved away, or gone)
            WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
            registered.put(dir, new Registration(fileKey, key));
            return true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot watch " + dir + " (" + e.getMessage()
                    + "); relying on the periodic rescan until it can be watched");
            return false;
        }
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                key.pollEvents(); // contents do not matter: a scan finds out what changed
                if (!key.reset()) {
                    synchronized (this) {
                        // only if it is still this key: a directory registered again has a new one
                        Path dir = (Path) key.watchable();
                        Registration r = registered.get(dir);
                        if (r != null && r.key() == key) registered.remove(dir);
                    }
                }
                onChange.run();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing down
        }
    }

    @Override
    public void close() throws IOException {
        service.close();
        thread.interrupt();
    }
}
