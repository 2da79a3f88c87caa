package dev.emperor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code emperor status}: one line per vassal from the running emperor. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show every vassal of the running emperor.")
final class StatusCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print the /stats document instead.")
    boolean json;

    @Mixin
    EmperorLocator emperor = new EmperorLocator();

    @Override
    public Integer call() throws IOException {
        String answer = emperor.ask("status");
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
}
