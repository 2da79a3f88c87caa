package dev.emperor.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * The public rendering of the stats document. TCP /stats can be read by every local user,
 * while what came from inside an app (a hung worker's thread dump, the text an agent sent)
 * may hold secrets its logs (mode 0700) keep to the vassal's owner. Here such fields are
 * replaced by a pointer to the control socket ({@code emperor status --json}), which is the
 * emperor's user's only and renders the private, complete document.
 */
final class PublicStats {

    static final String WITHHELD = "withheld from /stats, which every local user can read;"
            + " 'emperor status --json' shows it to the emperor's user";
    /** Worker fields whose text comes from inside an app. */
    private static final Set<String> APP_TEXT = Set.of("last_note", "note");

    private PublicStats() {
    }

    /** Redacts {@code document} (as made by {@link StatsDocument#json}) in place and returns it. */
    static ObjectNode redact(ObjectNode document) {
        for (JsonNode vassal : document.path("vassals")) {
            for (JsonNode worker : vassal.path("workers")) {
                if (!(worker instanceof ObjectNode w)) continue;
                for (String field : APP_TEXT) {
                    if (w.hasNonNull(field)) w.put(field, WITHHELD);
                }
                if (w.get("last_restart") instanceof ObjectNode restart && restart.hasNonNull("evidence")) {
                    restart.put("evidence", WITHHELD);
                }
            }
        }
        return document;
    }
}
