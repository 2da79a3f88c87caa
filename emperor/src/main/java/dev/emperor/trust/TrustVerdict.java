package dev.emperor.trust;

import dev.emperor.config.ConfigException;
import dev.emperor.config.Origin;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the emperor may do with a vassals directory or a vassal file. Every problem names the
 * path, its owner and mode, and the command that fixes it.
 */
public sealed interface TrustVerdict {

    /** The summary /stats shows for a refused file: it quotes nothing from the file. */
    String REFUSED_SUMMARY = "refused: not trusted (strict mode or tyrant rules)";

    Path path();

    /** What is wrong, one sentence each; empty when trusted. */
    List<String> problems();

    /** In tyrant mode, the user a file owned by someone else runs as; empty for root's (or the emperor's) own files. */
    Optional<Identity> runAs();

    /** Use it: nobody but root, the emperor's user and (tyrant mode) the file's owner controls it. */
    record Trusted(Path path, Optional<Identity> runAs, List<Identity> readFor) implements TrustVerdict {
        @Override
        public List<String> problems() {
            return List.of();
        }
    }

    /** Strict mode is off: use it, and warn with {@link #problems()} at every scan. */
    record Doubtful(Path path, Optional<Identity> runAs, List<Identity> readFor, List<String> problems)
            implements TrustVerdict {
    }

    /** Do not read or run it; {@link #problems()} says why and what to do. */
    record Refused(Path path, List<String> problems) implements TrustVerdict {
        @Override
        public Optional<Identity> runAs() {
            return Optional.empty();
        }
    }

    default boolean usable() {
        return !(this instanceof Refused);
    }

    /** The users the emperor reads this file's includes and {@code @(file)} values for. */
    default List<Identity> readers() {
        return switch (this) {
            case Trusted t -> t.readFor();
            case Doubtful d -> d.readFor();
            case Refused r -> List.of();
        };
    }

    /** Nothing for a usable verdict; a refusal as the vassal's configuration error (file, no line). */
    default void requireUsable() throws ConfigException {
        if (this instanceof Refused r) {
            throw new ConfigException(Origin.of(r.path()), "refused: " + String.join("; ", r.problems()), REFUSED_SUMMARY);
        }
    }
}
