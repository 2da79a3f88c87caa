package dev.emperor.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one door every file a load reads goes through: the file given to the loader, its
 * includes ({@code ini =}, {@code yaml =}, ..., {@code include =}, {@code inherit =},
 * {@code FILE:SECTION}), {@code @(file)} values and {@code for-readline} files. A root emperor
 * reads these for someone else; its policy decides whose files it may read and opens them so
 * that what it checked is what it reads (see the emperor's {@code dev.emperor.trust}). The
 * command-line tools read as the user who runs them and use {@link #ALLOW_ALL}.
 */
@FunctionalInterface
public interface FileReadPolicy {

    /** Why a file is read: policies may treat them alike, messages name them. */
    enum Purpose {
        /** The file given to the loader (a vassal file, the emperor's settings). */
        CONFIG("configuration file"),
        /** {@code ini =}, {@code include =}, {@code inherit =} and the other includes. */
        INCLUDE("include"),
        /** {@code @(file)}: the file's text becomes a value. */
        FILE_VALUE("@(file) value"),
        /** {@code for-readline}: each line becomes a value. */
        READLINE("for-readline file");

        private final String label;

        Purpose(String label) {
            this.label = label;
        }

        /** A few words for messages ("include"). */
        public String label() {
            return label;
        }
    }

    /** Reads every file as the calling process may: the command-line tools' policy. */
    FileReadPolicy ALLOW_ALL = (file, purpose) -> Files.newInputStream(file);

    /**
     * Opens {@code file} for reading; the caller closes the stream and reads at most a
     * bounded number of bytes from it.
     *
     * @throws Refused when the policy does not allow the read (its message says why and what to do)
     * @throws IOException when the file cannot be opened ({@link java.nio.file.NoSuchFileException} if absent)
     */
    InputStream open(Path file, Purpose purpose) throws IOException;

    /** A read the policy does not allow. The message names the path and what to do; it never quotes the file. */
    final class Refused extends IOException {

        public Refused(String reason) {
            super(reason);
        }
    }
}
