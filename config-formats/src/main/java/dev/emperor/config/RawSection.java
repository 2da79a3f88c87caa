package dev.emperor.config;

import java.util.List;

/**
 * What a format parser hands the engine: the section it read ({@code null} when the file
 * has none of the wanted ones) and its options in file order, before any expansion.
 */
record RawSection(String name, List<RawOption> options) {

    /** One option as written; {@code line} is 1-based in the original file (0: unknown). */
    record RawOption(String key, String value, int line) {
    }
}
