package dev.emperor.config.schema;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** What an option's value must look like. {@link #problem} says what is wrong, if anything. */
public enum OptionType {
    STRING("string", "any text"),
    INT("int", "a whole number"),
    BOOL("bool", "true/false, yes/no, on/off, 1/0 (empty means true, as in uWSGI)"),
    SIZE("size", "bytes, or a number with K, M or G (powers of 1024)"),
    DURATION("duration", "a number (of the unit the option names), fractions allowed"),
    PATH("path", "a file or directory path (relative to the vassal file's folder)"),
    LIST("list", "repeatable: each occurrence adds one value"),
    SIGNAL("signal", "a signal name (SIGTERM, TERM) or number"),
    OCTAL("octal", "an octal mode such as 022");

    private static final Pattern SIZE_RE = Pattern.compile("[0-9]+\\s*[KMG]?B?", Pattern.CASE_INSENSITIVE);
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
            case INT -> isLong(v);
            case BOOL -> parseBool(v).isPresent();
            case SIZE -> SIZE_RE.matcher(v).matches();
            case DURATION -> NUMBER_RE.matcher(v).matches();
            case PATH -> !v.isEmpty();
            case SIGNAL -> isSignal(v);
            case OCTAL -> v.matches("[0-7]{1,4}") && Integer.parseInt(v, 8) <= 0777;
        };
        if (ok) return Optional.empty();
        return Optional.of(switch (this) {
            case INT -> "expected a whole number";
            case BOOL -> "expected true or false (yes/no, on/off, 1/0)";
            case SIZE -> "expected a size such as 10485760, 512K or 10M";
            case DURATION -> "expected a number >= 0";
            case PATH -> "expected a path";
            case SIGNAL -> "expected a signal such as SIGTERM, SIGINT, SIGQUIT, SIGHUP";
            case OCTAL -> "expected an octal mask such as 022";
            default -> "unexpected value";
        });
    }

    /** uWSGI's reading of a flag: empty is true (the option alone turns it on). */
    public static Optional<Boolean> parseBool(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "", "true", "yes", "on", "1", "y" -> Optional.of(true);
            case "false", "no", "off", "0", "n" -> Optional.of(false);
            default -> Optional.empty();
        };
    }

    private static boolean isLong(String v) {
        try {
            Long.parseLong(v);
            return true;
        } catch (NumberFormatException e) {
            return false;
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
