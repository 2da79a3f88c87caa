package dev.emperor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code emperor status [NAME]}: one line per vassal (or one vassal and its workers) from the running emperor. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show every vassal of the running emperor, or one vassal and each of its workers.")
final class StatusCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "NAME", description = "Only this vassal, with a line per worker.")
    String name;

    @Option(names = "--json", description = "Print JSON instead: the whole document, or the vassal's object with NAME.")
    boolean json;

    @Mixin
    EmperorLocator emperor = new EmperorLocator();

    @Override
    public Integer call() throws IOException {
        String answer = emperor.ask(name == null ? "status" : "status " + name);
        if (json) {
            System.out.print(answer);
            return 0;
        }
        JsonNode root = ClientJson.parse(answer); // no ObjectMapper: a third of a client call's start-up
        long now = System.currentTimeMillis();
        PrintStream out = System.out;
        out.print(header());
        if (name == null) {
            for (JsonNode v : root.path("vassals")) out.print(line(v, now));
        } else {
            out.print(line(root, now));
            out.printf("%n%-4s %-8s %-9s %-8s %-10s %-8s %s%n", "ID", "PID", "STATE", "UPTIME", "HEALTH", "RSS",
                    "LAST EXIT");
            for (JsonNode w : root.path("workers")) {
                out.printf("%-4d %-8s %-9s %-8s %-10s %-8s %s%n", w.path("id").asInt(), text(w.path("pid")),
                        safe(w.path("state").asText()), w.path("pid").isNull() ? "-" : uptime(now, w.path("started_at_ms")),
                        text(w.path("health")), rss(w.path("rss_bytes")), text(w.path("last_exit")));
            }
        }
        return 0;
    }

    static String header() {
        return String.format("%-24s %-10s %-8s %-17s %-12s %-8s %s%n", "VASSAL", "STATE", "UPTIME", "HEALTH", "RSS",
                "RESTARTS", "LAST EXIT");
    }

    /**
     * One vassal's line: uptime of its oldest live worker, each worker's health and RSS
     * (comma-separated, in worker order), restarts, last exit; its error on a second line.
     */
    static String line(JsonNode v, long nowMs) {
        long oldest = Long.MAX_VALUE;
        List<String> health = new ArrayList<>();
        List<String> rss = new ArrayList<>();
        for (JsonNode w : v.path("workers")) {
            if (w.path("pid").isNumber() && w.path("started_at_ms").isNumber()) {
                oldest = Math.min(oldest, w.path("started_at_ms").asLong());
            }
            health.add(text(w.path("health")));
            rss.add(rss(w.path("rss_bytes")));
        }
        String uptime = oldest == Long.MAX_VALUE ? "-" : duration(nowMs - oldest);
        StringBuilder b = new StringBuilder(String.format("%-24s %-10s %-8s %-17s %-12s %-8d %s%n",
                safe(v.path("name").asText()), safe(v.path("state").asText()), uptime, joined(health), joined(rss),
                v.path("restarts").asInt(), text(v.path("last_exit"))));
        if (!v.path("error").isNull() && !v.path("error").isMissingNode()) {
            // one indented line per line of the error (several FILE:LINE problems); nothing in it reaches column 0
            String[] lines = v.path("error").asText().split("\n", -1);
            b.append("    error: ").append(safe(lines[0])).append(System.lineSeparator());
            for (int i = 1; i < lines.length; i++) b.append("      ").append(safe(lines[i])).append(System.lineSeparator());
        }
        return b.toString();
    }

    private static String joined(List<String> parts) {
        return parts.isEmpty() ? "-" : String.join(",", parts);
    }

    private static String text(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? "-" : safe(n.asText());
    }

    /**
     * Names, errors and exit texts come from files and apps other users may control (tyrant
     * mode, a file name): no escape sequence or line break of theirs reaches the terminal.
     */
    private static String safe(String text) {
        return dev.emperor.logging.LogText.escape(text);
    }

    private static String uptime(long nowMs, JsonNode startedAt) {
        return startedAt.isNumber() ? duration(nowMs - startedAt.asLong()) : "-";
    }

    /** {@code 45s}, {@code 12m03s}, {@code 5h07m}, {@code 3d04h}: two units at most, as ps and systemctl do. */
    static String duration(long ms) {
        long s = Math.max(0, ms / 1000);
        if (s < 60) return s + "s";
        if (s < 3600) return String.format("%dm%02ds", s / 60, s % 60);
        if (s < 86400) return String.format("%dh%02dm", s / 3600, s % 3600 / 60);
        return String.format("%dd%02dh", s / 86400, s % 86400 / 3600);
    }

    /** Bytes as {@code 812K}, {@code 45.2M}, {@code 1.3G}; {@code -} when unknown. */
    static String rss(JsonNode bytes) {
        if (!bytes.isNumber()) return "-";
        long b = bytes.asLong();
        if (b < 1 << 20) return (b >> 10) + "K";
        if (b < 1L << 30) return String.format(Locale.ROOT, "%.1fM", b / (double) (1 << 20));
        return String.format(Locale.ROOT, "%.1fG", b / (double) (1L << 30));
    }
}
