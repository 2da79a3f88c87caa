package dev.emperor.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The emperor's run directory: sockets, the lock that keeps two emperors from sharing it,
 * and default vassal logs. Default: {@code $XDG_RUNTIME_DIR/emperor}, else
 * {@code /tmp/emperor-$UID}.
 */
final class RunDir implements AutoCloseable {

    private final Path path;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private RunDir(Path path, FileChannel lockChannel, FileLock lock) {
        this.path = path;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    static Path defaultPath() {
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank() && Files.isDirectory(Path.of(xdg))) {
            return Path.of(xdg, "emperor");
        }
        return Path.of("/tmp", "emperor-" + uid());
    }

    static long uid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            return 0;
        }
    }

    /** Creates (0700) and locks {@code path}; fails if another emperor holds it. */
    static RunDir acquire(Path path) {
        try {
            // Others may pass through (0711) but not list: workers running as another user
            // (uid = ...) must reach agent.sock; the logs and the control socket stay private.
            Files.createDirectories(path);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx--x--x"));
            Path logs = Files.createDirectories(path.resolve("logs"));
            Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new EmperorCommand.UserError("cannot create run dir " + path + ": " + e.getMessage(), 2);
        }
        Path lockFile = path.resolve("emperor.pid");
        try {
            FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                String other = Files.readString(lockFile, StandardCharsets.UTF_8).strip();
                ch.close();
                throw new EmperorCommand.UserError("another emperor" + (other.isEmpty() ? "" : " (pid " + other + ")")
                        + " is running with run dir " + path + "; stop it or pass --run-dir", 2);
            }
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(false);
            return new RunDir(path, ch, lock);
        } catch (IOException e) {
            throw new EmperorCommand.UserError("cannot lock " + lockFile + ": " + e.getMessage(), 2);
        }
    }

    Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lockChannel.close();
    }
}
