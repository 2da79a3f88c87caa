package dev.emperor.config;

/** Bounds on what one load may cost: files are untrusted input. */
final class Limits {

    /** Options one load (a file and everything it includes) may produce. */
    static final int MAX_OPTIONS = 10_000;
    /** Characters of all values together, after every expansion. */
    static final long MAX_TOTAL_CHARS = 8L << 20;
    /** Characters of one value after expansion. */
    static final int MAX_VALUE_CHARS = 1 << 20;
    /** Placeholder substitutions in one value: more means it refers back to itself. */
    static final int MAX_SUBSTITUTIONS = 1_000_000;
    /** Nested includes (ini = ..., inherit = ...). */
    static final int MAX_INCLUDE_DEPTH = 10;
    /** Files one load may read (includes, @(file), for-readline). */
    static final int MAX_FILES = 1_000;

    private Limits() {
    }
}
