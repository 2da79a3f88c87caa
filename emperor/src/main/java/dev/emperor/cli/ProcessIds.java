package dev.emperor.cli;

import dev.emperor.vassal.process.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's effective uid, read from {@code /proc/self/status}: a client call that only
 * needs its uid (to find the default run dir) need not load JNA, whose native library is
 * extracted and linked on first use, a large part of a call's start-up (bench/cli/). JNA
 * answers when /proc does not.
 */
final class ProcessIds {

    private ProcessIds() {
    }

    static long effectiveUid() {
        try {
            Long uid = effectiveUid(Files.readString(Path.of("/proc/self/status")));
            if (uid != null) return uid;
        } catch (IOException | RuntimeException e) {
            // no /proc: ask the kernel through JNA below
        }
        return Integer.toUnsignedLong(Posix.effectiveUid());
    }

    /** The second field of the {@code Uid:} line (real, effective, saved, file system), or null. */
    static Long effectiveUid(String status) {
        for (String line : status.split("\n")) {
            if (!line.startsWith("Uid:")) continue;
            String[] ids = line.substring(4).strip().split("\\s+");
            if (ids.length < 2 || !ids[1].chars().allMatch(Character::isDigit) || ids[1].length() > 10) return null;
            return Long.parseLong(ids[1]);
        }
        return null;
    }
}
