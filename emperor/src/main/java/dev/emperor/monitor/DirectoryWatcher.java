package dev.emperor.monitor;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.Set;

/**
 * Tells when something changed in the watched directories, using the kernel's notifications
 * (inotify behind the JDK's WatchService; attribute changes such as a touch count too). It
 * only says "look again": what changed is found by a scan, so no event can be misread, and a
 * burst of events (or an inotify overflow) costs one scan.
 */
public final class DirectoryWatcher implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.monitor");

    private final WatchService service;
    private final Set<Path> registered = new HashSet<>();
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

    /**
     * Watches {@code dir} if it is not watched yet. Returns false (and logs) when it cannot be
     * watched now; the periodic rescan calls this again, so a directory that appears later is
     * picked up.
     */
    public synchronized boolean watch(Path dir) {
        if (registered.contains(dir)) return true;
        try {
            dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            registered.add(dir);
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
                        registered.remove((Path) key.watchable());
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
