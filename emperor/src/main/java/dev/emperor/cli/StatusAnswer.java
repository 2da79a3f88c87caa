package dev.emperor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;

/**
 * The control socket's answer to {@code status} and {@code status NAME}: the /stats document
 * (or one vassal's object of it) plus each live worker's resident memory, read from /proc by
 * the emperor (which may see processes a CLI user cannot, with hidepid).
 */
final class StatusAnswer {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatusAnswer() {
    }

    /** The vassal named {@code name} (its workers carry {@code rss_bytes} from /stats), or an {@code error:} line. */
    static String oneVassal(JsonNode stats, String name) {
        for (JsonNode v : stats.path("vassals")) {
            if (v.path("name").asText().equals(name)) return text(v);
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
}
