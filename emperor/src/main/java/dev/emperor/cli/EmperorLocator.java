package dev.emperor.cli;

import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader;
import dev.emperor.config.OptionValue;
import dev.emperor.control.ControlServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * How a client command ({@code status}, {@code reload}, ...) finds the running emperor, so
 * that it works from any shell with no flags. The first of these that is set wins:
 * {@code --run-dir}; {@code EMPEROR_RUN_DIR}; {@code run-dir} in the settings file given with
 * {@code --ini FILE} (else in /etc/emperor/emperor.ini, what the service reads, when it is
 * readable); the default run dir. The default is the only guess, so only there a non-root
 * user's CLI also tries /run/emperor (a service's emperor) before giving up with a message
 * that lists every place it looked.
 *
 * <p>A picocli mixin: the options are the same for every client command.
 */
final class EmperorLocator {

    static final Path SERVICE_RUN_DIR = Path.of("/run", "emperor");
    static final Path SYSTEM_SETTINGS = Path.of("/etc", "emperor", "emperor.ini");

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "Run dir of the emperor to ask (default: EMPEROR_RUN_DIR, else the settings file's run-dir,"
                    + " else the default run dir, then /run/emperor).")
    Path runDir;

    @Option(names = {"--ini", "--yaml", "--yml", "--xml"}, paramLabel = "FILE",
            description = "The settings file the emperor was started with (any format); its run-dir is used"
                    + " (default: /etc/emperor/emperor.ini when readable).")
    Path settingsFile;

    /** A run dir to try, and why it is on the list (for the message when nothing answers). */
    record Place(Path dir, String why) {
        Path socket() {
            return dir.resolve("control.sock");
        }
    }

    /** Sends {@code request} to the first place that answers; a {@link EmperorCommand.UserError} if none does. */
    String ask(String request) {
        List<String> tried = new ArrayList<>();
        List<Place> places = places(runDir, settingsFile, System.getenv(), RunDir.uid(), SYSTEM_SETTINGS, tried);
        for (Place place : places) {
            Path socket = place.socket();
            if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                tried.add(place.dir() + " (" + place.why() + "): no control.sock there");
                continue;
            }
            String answer;
            try {
                answer = ControlServer.request(socket, request);
            } catch (IOException e) {
                tried.add(place.dir() + " (" + place.why() + "): " + socket + " does not answer ("
                        + e.getMessage() + ")" + ownerHint(socket));
                continue;
            }
            if (answer.startsWith("error:")) throw new EmperorCommand.UserError(answer.substring(6).strip(), 1);
            return answer;
        }
        throw new EmperorCommand.UserError(notFound(tried), 1);
    }

    /**
     * The places to try, in order. {@code notes} receives what was skipped on the way (a
     * settings file that could not be read), so the final message can say so.
     */
    static List<Place> places(Path flag, Path settings, Map<String, String> env, long uid, Path systemSettings,
            List<String> notes) {
        if (flag != null) return List.of(new Place(absolute(flag), "--run-dir"));
        String fromEnv = env.get("EMPEROR_RUN_DIR");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return List.of(new Place(absolute(Path.of(fromEnv)), "EMPEROR_RUN_DIR"));
        }
        if (settings != null) {
            Optional<Path> dir = runDirIn(settings, env, true, notes);
            if (dir.isPresent()) return List.of(new Place(dir.get(), "run-dir in " + settings));
        } else if (Files.isReadable(systemSettings)) {
            Optional<Path> dir = runDirIn(systemSettings, env, false, notes);
            if (dir.isPresent()) return List.of(new Place(dir.get(), "run-dir in " + systemSettings));
        }
        Path standard = RunDir.defaultPath(uid, env.get("XDG_RUNTIME_DIR"));
        String why = uid == 0 ? "the default for root"
                : standard.equals(RunDir.defaultPath(uid, null)) ? "the default without XDG_RUNTIME_DIR"
                : "the default: $XDG_RUNTIME_DIR/emperor";
        List<Place> out = new ArrayList<>(List.of(new Place(standard, why)));
        if (!standard.equals(SERVICE_RUN_DIR)) out.add(new Place(SERVICE_RUN_DIR, "a service's emperor"));
        return out;
    }

    /**
     * The {@code run-dir} of a settings file. A file the user named must load (its mistake is
     * theirs to fix, with file and line); the system's file is only a hint, noted and skipped.
     */
    private static Optional<Path> runDirIn(Path file, Map<String, String> env, boolean named, List<String> notes) {
        try {
            return new ConfigLoader(env).loadEmperor(file).options().last("run-dir")
                    .map(OptionValue::value).filter(v -> !v.isBlank()).map(v -> absolute(Path.of(v)));
        } catch (ConfigException e) {
            if (named) throw new EmperorCommand.UserError(e.getMessage(), 2);
            notes.add(file + ": skipped, it does not load: " + e.getMessage().replace('\n', ' '));
            return Optional.empty();
        }
    }

    private static Path absolute(Path p) {
        return p.toAbsolutePath().normalize();
    }

    /** When the socket is someone else's, the likely cause and the fix. */
    private static String ownerHint(Path socket) {
        try {
            long owner = ((Number) Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
            if (owner == RunDir.uid()) return "; if that emperor is gone, remove the stale socket or start it again";
            return "; the socket belongs to uid " + owner + ": run this command as that user"
                    + (owner == 0 ? " (sudo emperor ...)" : "");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    static String notFound(List<String> tried) {
        StringBuilder b = new StringBuilder("no emperor answered. Looked in:");
        for (String t : tried) b.append("\n  ").append(t);
        b.append("\nIs it running? If so, pass the run dir it printed at start-up (--run-dir DIR, or"
                + " EMPEROR_RUN_DIR=DIR), or the settings file it was started with (--ini FILE).");
        return b.toString();
    }
}
