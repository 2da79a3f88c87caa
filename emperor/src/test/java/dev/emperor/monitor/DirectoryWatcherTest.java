package dev.emperor.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryWatcherTest {

    @TempDir
    Path root;

    @Test
    void aDirectoryReplacedUnderItsNameIsWatchedAgain() throws Exception {
        Path dir = Files.createDirectory(root.resolve("v"));
        AtomicInteger changes = new AtomicInteger();
        try (DirectoryWatcher watcher = new DirectoryWatcher(changes::incrementAndGet)) {
            watcher.start();
            assertThat(watcher.watch(dir)).isTrue();
            Files.writeString(dir.resolve("a.ini"), "x");
            await("a change seen", () -> changes.get() > 0);

            // mv v v.bak; mkdir v: inotify follows the old inode
            Files.move(dir, root.resolve("v.bak"));
            Files.createDirectory(dir);
            assertThat(watcher.watch(dir)).isTrue(); // what each scan does
            int before = changes.get();
            Files.writeString(dir.resolve("b.ini"), "x");

            await("a change in the new directory seen", () -> changes.get() > before);
        }
    }

    /** Waits for a condition with a deadline. */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError("not within 10 s: " + what);
            Thread.sleep(5);
        }
    }
}
