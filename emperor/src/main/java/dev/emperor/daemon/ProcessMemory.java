package dev.emperor.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of a process, from /proc. */
public final class ProcessMemory {

    private static final long PAGE = 4096;

    private ProcessMemory() {
    }

    /** Resident set size in bytes (from /proc/PID/statm), or -1 if the process is gone. */
    public static long residentBytes(long pid) {
        try {
            String[] statm = Files.readString(Path.of("/proc", Long.toString(pid), "statm")).trim().split(" ");
            return Long.parseLong(statm[1]) * PAGE;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
