package dev.emperor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.function.LongUnaryOperator;

/**
 * The control socket's answer to {@code status} and {@code status NAME}: the /stats document
 * (or one vassal's object of it) plus each live worker's resident memory, read from /proc by
 * the emperor (which may see processes a CLI user cannot, with hidepid).
 */
final class StatusAnswer {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatusAnswer() {
    }

    /** Adds {@code rss_bytes} (null when unknown) to every worker of {@code stats}, in place. */
    static JsonNode withRss(JsonNode stats, LongUnaryOperator rssOfPid) {
        for (JsonNode v : stats.path("vassals")) addRss(v, rssOfPid);
        return stats;
    }

    /** The vassal named {@code name} with each worker's {@code rss_bytes}, or an {@code error:} line. */
    static String oneVassal(JsonNode stats, String name, LongUnaryOperator rssOfPid) {
        for (JsonNode v : stats.path("vassals")) {
            if (v.path("name").asText().equals(name)) return text(addRss(v, rssOfPid));
        }
        return "error: no vassal named '" + name + "'\n";
    }

    static String text(JsonNode node) {
        try {
            return JSON.writeValueAsString(node) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode addRss(JsonNode vassal, LongUnaryOperator rssOfPid) {
        for (JsonNode w : vassal.path("workers")) {
            if (!(w instanceof ObjectNode o)) continue;
            long rss = w.path("pid").isNumber() ? rssOfPid.applyAsLong(w.path("pid").asLong()) : -1;
            if (rss >= 0) o.put("rss_bytes", rss);
            else o.putNull("rss_bytes");
        }
        return vassal;
    }
}
