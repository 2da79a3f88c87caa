package dev.emperor.vassal.process;

import java.util.Locale;
import java.util.Optional;

/** The signals a vassal file may name, with their Linux numbers. */
public enum Signal {
    HUP(1), INT(2), QUIT(3), KILL(9), USR1(10), USR2(12), TERM(15), CONT(18), STOP(19), WINCH(28);

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** Accepts {@code SIGTERM}, {@code TERM}, {@code term} or {@code 15}. */
    public static Optional<Signal> parse(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.startsWith("SIG")) s = s.substring(3);
        for (Signal sig : values()) {
            if (sig.name().equals(s) || Integer.toString(sig.number).equals(s)) {
                return Optional.of(sig);
            }
        }
        return Optional.empty();
    }

    /** The name of signal {@code number} if it is one we know, else the number. */
    public static String describe(int number) {
        for (Signal sig : values()) {
            if (sig.number == number) return "SIG" + sig.name();
        }
        return "signal " + number;
    }

    @Override
    public String toString() {
        return "SIG" + name();
    }
}
