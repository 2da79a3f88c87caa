package dev.emperor.e2e;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/** Finding and checking the real processes a test's vassals start. */
final class Processes {

    private Processes() {
    }

    /**
     * A sleep duration unique to one test (e.g. {@code 86417.35}): {@code sleep MARKER} runs
     * for a day, and no process outside the test has it on its command line.
     */
    static String marker() {
        return "8" + ThreadLocalRandom.current().nextInt(1000, 9999) + "." + ThreadLocalRandom.current().nextInt(10, 99);
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Live processes whose command line contains {@code marker}. */
    static List<ProcessHandle> withMarker(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false)
                        || p.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false))
                .toList();
    }

    static Optional<Long> parent(long pid) {
        return ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid);
    }

    static void killAll(String marker) {
        withMarker(marker).forEach(ProcessHandle::destroyForcibly);
    }
}
