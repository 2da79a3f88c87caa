package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The few libc calls the JDK lacks: signals to a pid other than SIGTERM/SIGKILL, and to
 * a whole process group. Stateless; the library is loaded once per JVM by JNA.
 */
public final class Posix {

    private static final int ESRCH = 3;

    private interface LibC extends Library {
        int kill(int pid, int sig) throws LastErrorException;

        int killpg(int pgrp, int sig) throws LastErrorException;

        int getpgid(int pid) throws LastErrorException;
    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    private Posix() {
    }

    /** Sends {@code signal} to one process; false if it no longer exists. */
    public static boolean kill(long pid, Signal signal) {
        try {
            Holder.LIBC.kill(Math.toIntExact(pid), signal.number());
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ESRCH) return false;
            throw new IllegalStateException("kill(" + pid + ", " + signal + ") failed: errno " + e.getErrorCode(), e);
        }
    }

    /** Sends {@code signal} to every process in group {@code pgid}; false if the group is empty. */
    public static boolean killGroup(long pgid, Signal signal) {
        try {
            Holder.LIBC.killpg(Math.toIntExact(pgid), signal.number());
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ESRCH) return false;
            throw new IllegalStateException("killpg(" + pgid + ", " + signal + ") failed: errno " + e.getErrorCode(), e);
        }
    }

    /** The process group of {@code pid}, or -1 if it no longer exists. */
    public static long processGroup(long pid) {
        try {
            return Holder.LIBC.getpgid(Math.toIntExact(pid));
        } catch (LastErrorException e) {
            return -1;
        }
    }
}
