package dev.emperor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code emperor logs NAME [-n N] [-f]}: the vassal's log file, whose path the emperor gives
 * (status, {@code log.file}); the file is read by this command with its user's own rights.
 */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = "Print the last lines of a vassal's log file; -f keeps printing what is appended,"
                + " across log rotation, until Ctrl-C.")
final class LogsCommand implements Callable<Integer> {

    private static final Duration POLL = Duration.ofMillis(200);

    @Parameters(paramLabel = "NAME", description = "The vassal.")
    String name;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "20",
            description = "How many lines from the end (default: ${DEFAULT-VALUE}).")
    int lines;

    @Option(names = {"-f", "--follow"}, description = "Keep printing what is appended, until Ctrl-C.")
    boolean follow;

    @Mixin
    EmperorLocator emperor = new EmperorLocator();

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (lines < 0) throw new EmperorCommand.UserError("-n wants a number of lines >= 0, not " + lines, 2);
        JsonNode vassal = new ObjectMapper().readTree(emperor.ask("status " + name));
        JsonNode file = vassal.path("log").path("file");
        if (!file.isTextual()) {
            throw new EmperorCommand.UserError("vassal " + name + " has no log file"
                    + (vassal.path("log").path("error").isTextual() ? ": " + vassal.path("log").path("error").asText()
                    : " (its output does not go to a file: with log-journal = true it is in the journal,"
                            + " journalctl -t " + name + ")"), 1);
        }
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 << 10);
        try (LogFile log = LogFile.open(Path.of(file.asText()))) {
            log.tail(lines, out);
            out.flush();
            if (follow) log.follow(out, POLL, () -> false); // Ctrl-C ends the JVM
        }
        out.flush();
        return 0;
    }
}
