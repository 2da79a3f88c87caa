package dev.emperor.config;

import java.util.Objects;

/**
 * One problem in a configuration file, with the place it was found.
 *
 * @param origin  the file and line
 * @param message what is wrong, for the file's own reader: it may quote the file (a value,
 *                the line, a parser's snippet)
 * @param summary a few words that quote nothing from the file, or null: what
 *                {@link #publicText()} shows instead of the message
 */
public record ConfigError(Origin origin, String message, String summary) {

    /** What {@link #publicText()} says when the error site gave no summary. */
    public static final String DEFAULT_SUMMARY = "invalid configuration";

    public ConfigError {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(message, "message");
    }

    public ConfigError(Origin origin, String message) {
        this(origin, message, null);
    }

    /** {@code FILE:LINE: message}, the form compilers use. */
    @Override
    public String toString() {
        return origin + ": " + message;
    }

    /**
     * {@code FILE:LINE: summary}, for readers who may not read the file: the place only, and
     * nothing the file says. A root emperor reads files for other users, and a "file" can be
     * a symlink to someone's key; messages quote what they read, and /stats is open to every
     * local user. The full text belongs in the emperor's log and in {@code config check}.
     */
    public String publicText() {
        return origin + ": " + (summary == null ? DEFAULT_SUMMARY : summary)
                + " (the emperor's log says why)";
    }
}
