package dev.emperor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emperor.control.ControlServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code emperor status}: one line per vassal from the running emperor. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show every vassal of the running emperor.")
final class StatusCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print the /stats document instead.")
    boolean json;

    @Option(names = "--run-dir", paramLabel = "DIR", description = "Run dir of the emperor to ask.")
    Path runDir;

    @Override
    public Integer call() throws IOException {
        String answer = ask(runDir, "status");
        if (json) {
            System.out.print(answer);
            return 0;
        }
        JsonNode root = new ObjectMapper().readTree(answer);
        System.out.printf("%-24s %-10s %-8s %s%n", "VASSAL", "STATE", "RESTARTS", "WORKERS (id:pid)");
        for (JsonNode v : root.path("vassals")) {
            StringBuilder workers = new StringBuilder();
            for (JsonNode w : v.path("workers")) {
                if (!workers.isEmpty()) workers.append(' ');
                workers.append(w.path("id").asInt()).append(':')
                        .append(w.path("pid").isNull() ? "-" : w.path("pid").asText());
            }
            System.out.printf("%-24s %-10s %-8d %s%n", v.path("name").asText(), v.path("state").asText(),
                    v.path("restarts").asInt(), workers);
            if (!v.path("error").isNull()) {
                System.out.println("    error: " + v.path("error").asText());
            }
        }
        return 0;
    }

    static String ask(Path runDir, String request) {
        Path dir = runDir != null ? runDir : RunDir.defaultPath();
        Path socket = dir.resolve("control.sock");
        try {
            String answer = ControlServer.request(socket, request);
            if (answer.startsWith("error:")) throw new EmperorCommand.UserError(answer.substring(6).strip(), 1);
            return answer;
        } catch (IOException e) {
            throw new EmperorCommand.UserError("no emperor answers on " + socket + " (" + e.getMessage()
                    + "); is it running, with this --run-dir?", 1);
        }
    }
}
