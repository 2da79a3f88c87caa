package dev.emperor.daemon;

import java.util.List;

/**
 * Where the emperor's own settings come from, read again for a reload (SIGHUP,
 * {@code systemctl reload}, {@code emperor reload --emperor}): the settings files it was
 * started with, read anew, under the command-line flags and environment it was started with.
 * Called on the event loop.
 */
@FunctionalInterface
public interface SettingsSource {

    Result read();

    /** What a read gave. */
    sealed interface Result {
    }

    /**
     * The settings as they read now.
     *
     * @param files    the settings files read (for messages: "X changed in FILE")
     * @param warnings what the trust checks found, to log
     */
    record Read(EmperorSettings settings, List<String> files, List<String> warnings) implements Result {
        public Read {
            files = List.copyOf(files);
            warnings = List.copyOf(warnings);
        }
    }

    /** The settings cannot be used as they are: every problem, each naming its file and line. */
    record Broken(List<String> errors) implements Result {
        public Broken {
            errors = List.copyOf(errors);
        }
    }

    /** For an emperor started with no way to read its settings again. */
    static SettingsSource fixed(EmperorSettings settings) {
        return () -> new Read(settings, List.of(), List.of());
    }
}
