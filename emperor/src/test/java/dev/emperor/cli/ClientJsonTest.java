package dev.emperor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The CLI's light JSON reader gives the tree an ObjectMapper gives, and refuses what is not one JSON value. */
class ClientJsonTest {

    @Test
    void aStatusDocumentReadsAsTheSameTreeAsWithAnObjectMapper() throws Exception {
        String json = """
                {"emperor": {"pid": 42, "uptime_ms": 12345678901234, "big": 123456789012345678901234567890,
                             "load": 0.25, "dirs": ["/etc/emperor/vassals.d"], "strict": true, "tyrant": false},
                 "vassals": [{"name": "web", "state": "running", "error": null, "restarts": 3,
                              "workers": [{"id": 1, "pid": 10, "health": "ok", "rss_bytes": 47396864,
                                           "last_exit": "exit 1 \\u00e9"}, {}]},
                             {"name": "empty", "workers": []}]}
                """;
        assertThat(ClientJson.parse(json)).isEqualTo(new ObjectMapper().readTree(json));
    }

    @Test
    void scalarsAtTheTopAreValuesToo() throws Exception {
        assertThat(ClientJson.parse("\"no vassal named 'x'\"").asText()).isEqualTo("no vassal named 'x'");
        assertThat(ClientJson.parse("null").isNull()).isTrue();
    }

    @Test
    void anAnswerThatIsNotOneJsonValueIsAnErrorNotAPartialTree() {
        assertThatThrownBy(() -> ClientJson.parse("")).isInstanceOf(IOException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> ClientJson.parse("{} {}")).isInstanceOf(IOException.class)
                .hasMessageContaining("more than one");
        assertThatThrownBy(() -> ClientJson.parse("{\"a\": [1, 2")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ClientJson.parse("error: no vassal named 'x'")).isInstanceOf(IOException.class);
    }
}
