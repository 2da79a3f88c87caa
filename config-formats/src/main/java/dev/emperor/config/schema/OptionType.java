package dev.emperor.config.schema;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an option's value must look like, and how it is read: {@link #problem} says what is
 * wrong, if anything, and the {@code parse} methods give the typed value. Everything that
 * reads options (vassal settings, the emperor's settings, the command line, config check)
 * goes through these, so a value means the same everywhere.
 */
public enum OptionType {
    STRING("string", "any text"),
    INT("int", "a whole number"),
    BOOL("bool", "true/false, yes/no, on/off, 1/0, any case (empty means true, as in uWSGI)"),
    SIZE("size", "bytes, or a number with K, M or G (powers of 1024)"),
    DURATION("duration", "a number (of the unit the option names), fractions allowed"),
    PATH("path", "a file or directory path (relative to the vassal file's folder)"),
    LIST("list", "repeatable: each occurrence adds one value"),
    SIGNAL("signal", "a signal name (SIGTERM, TERM) or number"),
    OCTAL("octal", "an octal mode such as 022");

    /** What a bool may be, for messages. */
    public static final String BOOL_WORDS = "true/false, yes/no, on/off, 1/0";

    private static final Pattern SIZE_RE = Pattern.compile("([0-9]+)\\s*([KMG]?)B?", Pattern.CASE_INSENSITIVE);
    private static final Pattern NUMBER_RE = Pattern.compile("[0-9]+(\\.[0-9]*)?|\\.[0-9]+");
    private static final Set<String> SIGNALS = Set.of("HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
            "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
            "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "POLL", "PWR", "SYS");

    private final String displayName;
    private final String description;

    OptionType(String displayName, String description) {
        this.displayName = displayName;
        this.description = description;
    }

    public String displayName() {
        return displayName;
    }

    public String description() {
        return description;
    }

    /** Empty when {@code value} is acceptable, else what was expected (without the option name). */
    public Optional<String> problem(String value) {
        String v = value.strip();
        boolean ok = switch (this) {
            case STRING, LIST -> true;
            case INT -> parseLong(v).isPresent();
            case BOOL -> parseBool(v).isPresent();
            case SIZE -> parseSize(v).isPresent();
            case DURATION -> NUMBER_RE.matcher(v).matches();
            case PATH -> !v.isEmpty();
            case SIGNAL -> isSignal(v);
            case OCTAL -> v.matches("[0-7]{1,4}") && Integer.parseInt(v, 8) <= 0777;
        };
        if (ok) return Optional.empty();
        return Optional.of(switch (this) {
            case INT -> "expected a whole number";
            case BOOL -> "expected a boolean (" + BOOL_WORDS + ")";
            case SIZE -> "expected a size such as 10485760, 512K or 10M";
            case DURATION -> "expected a number >= 0";
            case PATH -> "expected a path";
            case SIGNAL -> "expected a signal such as SIGTERM, SIGINT, SIGQUIT, SIGHUP";
            case OCTAL -> "expected an octal mask such as 022";
            case STRING, LIST -> "unexpected value";
        });
    }

    /**
     * A flag as uWSGI reads it: true/yes/on/1 or false/no/off/0 in any case; empty is true (the
     * option alone turns it on). Anything else is no boolean (uWSGI would read it as true: we
     * say so instead).
     */
    public static Optional<Boolean> parseBool(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "", "true", "yes", "on", "1" -> Optional.of(true);
            case "false", "no", "off", "0" -> Optional.of(false);
            default -> Optional.empty();
        };
    }

    /** A whole number (surrounding blanks allowed). */
    public static OptionalLong parseLong(String value) {
        try {
            return OptionalLong.of(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** A number >= 0, fractions allowed (no exponent, no NaN: what a person writes). */
    public static OptionalDouble parseNumber(String value) {
        String v = value.strip();
        if (!NUMBER_RE.matcher(v).matches()) return OptionalDouble.empty();
        return OptionalDouble.of(Double.parseDouble(v));
    }

    /** Bytes, with an optional K, M or G (powers of 1024) and an optional B. */
    public static OptionalLong parseSize(String value) {
        var m = SIZE_RE.matcher(value.strip());
        if (!m.matches()) return OptionalLong.empty();
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            return OptionalLong.of(Math.multiplyExact(n, 1L << shift));
        } catch (NumberFormatException | ArithmeticException e) {
            return OptionalLong.empty();
        }
    }

    private static boolean isSignal(String v) {
        if (v.matches("[0-9]{1,2}")) {
            int n = Integer.parseInt(v);
            return n >= 1 && n <= 64;
        }
        String name = v.toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) name = name.substring(3);
        return SIGNALS.contains(name);
    }
}
