package dev.emperor.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void keepsOnlyTheLastCapacitySamplesOldestFirst() {
        History h = new History(5, 1000);
        for (int i = 0; i < 12; i++) {
            h.record(List.of(new History.Sample("web", 100 + i, i / 4)), 1000L * i);
        }
        JsonNode j = h.json(JSON);
        assertThat(j.path("capacity").asInt()).isEqualTo(5);
        assertThat(longs(j.path("t"))).containsExactly(7000L, 8000L, 9000L, 10000L, 11000L);
        assertThat(longs(j.path("vassals").path("web").path("rss_bytes"))).containsExactly(107L, 108L, 109L, 110L, 111L);
        assertThat(longs(j.path("vassals").path("web").path("restarts"))).containsExactly(1L, 2L, 2L, 2L, 2L);
    }

    @Test
    void aVassalThatLeavesIsForgottenAndANewOneHasNoPast() {
        History h = new History(4, 1000);
        h.record(List.of(new History.Sample("old", 10, 0)), 0);
        h.record(List.of(new History.Sample("old", 11, 0)), 1000);
        h.record(List.of(new History.Sample("new", -1, 3)), 2000);
        assertThat(h.vassalCount()).isEqualTo(1);
        JsonNode v = h.json(JSON).path("vassals");
        assertThat(v.has("old")).isFalse();
        // slots before it existed, and a sample with no memory known, are null, never another vassal's values
        assertThat(v.path("new").path("rss_bytes").toString()).isEqualTo("[null,null,null]");
        assertThat(v.path("new").path("restarts").toString()).isEqualTo("[null,null,3]");
    }

    @Test
    void memoryIsBoundedByCapacityTimesVassalsWhateverTheNumberOfSamples() {
        History h = new History(120, 5000);
        List<History.Sample> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) many.add(new History.Sample("v" + i, i, i));
        for (int i = 0; i < 10_000; i++) h.record(many, i);
        JsonNode j = h.json(JSON);
        assertThat(j.path("t").size()).isEqualTo(120);
        assertThat(h.vassalCount()).isEqualTo(50);
        j.path("vassals").forEach(v -> assertThat(v.path("rss_bytes").size()).isEqualTo(120));
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> out = new ArrayList<>();
        array.forEach(n -> out.add(n.isNull() ? null : n.asLong()));
        return out;
    }
}
