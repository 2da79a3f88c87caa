package dev.emperor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** What {@code emperor status} prints of a vassal, and what the emperor adds to its answer. */
class StatusCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NOW = 1_000_000_000L;

    private static JsonNode vassal(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void aLineHasTheOldestLiveWorkersUptimeEachWorkersHealthAndRssRestartsAndLastExit() throws Exception {
        JsonNode v = vassal("""
                {"name": "web", "state": "running", "restarts": 3, "error": null, "last_exit": "exit 1",
                 "workers": [{"id": 1, "pid": 10, "started_at_ms": %d, "health": "ok", "rss_bytes": 47396864},
                             {"id": 2, "pid": 11, "started_at_ms": %d, "health": "gc", "rss_bytes": 524288},
                             {"id": 3, "pid": null, "started_at_ms": null, "health": "waiting", "rss_bytes": null}]}
                """.formatted(NOW - 5_000, NOW - 3_725_000));
        assertThat(StatusCommand.line(v, NOW)).isEqualTo(String.format(
                "%-24s %-10s %-8s %-17s %-12s %-8d %s%n", "web", "running", "1h02m", "ok,gc,waiting",
                "45.2M,512K,-", 3, "exit 1"));
    }

    @Test
    void aVassalWithoutLiveWorkersHasNoUptimeAndShowsItsError() throws Exception {
        JsonNode v = vassal("""
                {"name": "bad", "state": "invalid", "restarts": 0, "error": "bad.ini:3: no command",
                 "last_exit": null, "workers": []}
                """);
        assertThat(StatusCommand.line(v, NOW)).startsWith(String.format("%-24s %-10s %-8s ", "bad", "invalid", "-"))
                .endsWith("    error: bad.ini:3: no command" + System.lineSeparator());
    }

    @Test
    void aHostileNameOrErrorCannotMoveTheTerminalNorForgeARow() throws Exception {
        JsonNode v = vassal("""
                {"name": "ev\\u001b[31mRED\\u001b]0;PWNED\\u0007il\\nfake    running", "state": "invalid", "restarts": 0,
                 "error": "a.ini:3: bad\\nb.ini:4: \\u001b[2Jworse", "last_exit": "code\\r1", "workers": []}
                """);
        String line = StatusCommand.line(v, NOW);
        assertThat(line).doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\r")
                .startsWith("ev\\x1b[31mRED\\x1b]0;PWNED\\x07il\\nfake    running")
                .contains("code\\r1");
        assertThat(line.split(System.lineSeparator())).containsExactly(line.split(System.lineSeparator())[0],
                "    error: a.ini:3: bad", "      b.ini:4: \\x1b[2Jworse");
    }

    @Test
    void durationsReadLikePsAndSystemctl() {
        assertThat(StatusCommand.duration(45_000)).isEqualTo("45s");
        assertThat(StatusCommand.duration(723_000)).isEqualTo("12m03s");
        assertThat(StatusCommand.duration(3 * 86_400_000L + 4 * 3_600_000L)).isEqualTo("3d04h");
    }

    @Test
    void theEmperorAnswersOneVassalByName() throws Exception {
        JsonNode stats = JSON.readTree("""
                {"vassals": [{"name": "a", "workers": [{"id": 1, "pid": 42, "rss_bytes": 42000}]},
                             {"name": "b", "workers": []}]}
                """);
        JsonNode a = JSON.readTree(StatusAnswer.oneVassal(stats, "a"));
        assertThat(a.path("name").asText()).isEqualTo("a");
        assertThat(a.path("workers").get(0).path("rss_bytes").asLong()).isEqualTo(42_000);
        assertThat(StatusAnswer.oneVassal(stats, "c")).isEqualTo("error: no vassal named 'c'\n");
    }

    @Test
    void rssOfThisProcessIsReadFromProc() {
        assertThat(dev.emperor.daemon.ProcUsage.residentBytes(ProcessHandle.current().pid())).isPositive();
        assertThat(dev.emperor.daemon.ProcUsage.residentBytes(Long.MAX_VALUE)).isEqualTo(-1);
    }
}
