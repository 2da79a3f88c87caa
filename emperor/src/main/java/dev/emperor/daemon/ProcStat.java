package dev.emperor.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the few facts about a process the emperor checks agents against, from /proc. */
final class ProcStat {

    private ProcStat() {
    }

    /** The session id of {@code pid} (a worker's session is its own pid), or -1. */
    static long session(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name may hold spaces and parentheses: fields start after the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[3]); // state, ppid, pgrp, session
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The state letter of {@code pid} (R, S, D, T, Z...), or '?' if it is gone. */
    static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException | RuntimeException e) {
            return '?';
        }
    }

    /** The real uid of {@code pid}, or -1. */
    static long uid(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("Uid:")) return Long.parseLong(line.split("\\s+")[1]);
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }
}
