package dev.emperor.vassal.process;

/**
 * How a process ended, from its wait status: the code it exited with, or the signal that
 * killed it. Kept apart on purpose: a program that exits with 137 did not die of SIGKILL,
 * whatever the shell's 128+N convention suggests.
 *
 * @param code   the exit code (0-255), or -1 when killed or when the status was lost
 * @param signal the signal that killed it, or 0
 */
public record ExitStatus(int code, int signal) {

    /** The process ended, but someone else reaped it: its status is unknown. */
    public static final ExitStatus LOST = new ExitStatus(-1, 0);

    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0);
    }

    public static ExitStatus killedBy(int signal) {
        return new ExitStatus(-1, signal);
    }

    /** Decodes a wait status as waitpid(2) fills it. */
    static ExitStatus fromWaitStatus(int status) {
        int signal = status & 0x7f;
        return signal == 0 ? exited((status >> 8) & 0xff) : killedBy(signal);
    }

    /** Exited with code 0. */
    public boolean succeeded() {
        return signal == 0 && code == 0;
    }

    /** For logs and /stats: "exited with code 1", "was killed by SIGKILL". */
    public String describe() {
        if (signal != 0) return "was killed by " + Signal.describe(signal);
        if (code < 0) return "ended (its exit status was lost)";
        return "exited with code " + code;
    }
}
