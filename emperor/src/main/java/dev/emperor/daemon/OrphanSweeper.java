package dev.emperor.daemon;

import dev.emperor.vassal.process.Posix;
import dev.emperor.vassal.process.Signal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Cleans up after an emperor that was killed hard. Its workers died with it (parent-death
 * signal), but a process a worker forked into the background may have survived. Every
 * process the emperor starts, and everything they start, carries
 * {@code EMPEROR_RUN_DIR=<run dir>} in its environment; at start-up, before any new worker
 * exists, every process still carrying this emperor's run dir is a leftover and is killed.
 * The run-dir lock guarantees no other live emperor owns them.
 */
public final class OrphanSweeper {

    public static final String RUN_DIR_VARIABLE = "EMPEROR_RUN_DIR";

    private OrphanSweeper() {
    }

    /** Kills the leftovers of a previous emperor with this run dir; returns their pids. */
    public static List<Long> sweep(Path runDir) {
        return sweep(runDir, null, Set.of());
    }

    /**
     * Kills processes of the stopped vassals {@code vassals} (all, if null) that escaped their
     * worker's process group (a daemon that called setsid). Processes in the group of a live
     * worker ({@code livePgids}) are left alone: a vassal of the same name may be running again.
     */
    public static List<Long> sweep(Path runDir, Set<String> vassals, Set<Long> livePgids) {
        byte[] marker = ("\0" + RUN_DIR_VARIABLE + "=" + runDir + "\0").getBytes(StandardCharsets.UTF_8);
        List<byte[]> names = vassals == null ? null : vassals.stream()
                .map(v -> ("\0" + dev.emperor.agent.WorkerEnvironment.VASSAL + "=" + v + "\0")
                        .getBytes(StandardCharsets.UTF_8)).toList();
        long self = ProcessHandle.current().pid();
        List<Long> killed = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                long pid = Long.parseLong(proc.getFileName().toString());
                if (pid == self) continue;
                byte[] environ;
                try {
                    byte[] raw = Files.readAllBytes(proc.resolve("environ"));
                    environ = new byte[raw.length + 1]; // a leading NUL lets the first entry match too
                    System.arraycopy(raw, 0, environ, 1, raw.length);
                } catch (IOException | SecurityException e) {
                    continue; // gone, or not ours to read
                }
                if (!contains(environ, marker)) continue;
                if (names != null && names.stream().noneMatch(n -> contains(environ, n))) continue;
                if (!livePgids.isEmpty() && livePgids.contains(Posix.processGroup(pid))) continue;
                if (Posix.kill(pid, Signal.KILL)) killed.add(pid);
            }
        } catch (IOException e) {
            // No /proc: nothing to sweep.
        }
        return killed;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) continue outer;
            }
            return true;
        }
        return false;
    }
}
