package dev.emperor.cli.top;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@code emperor top} draws from a fixed status document, at 80 columns and narrower. */
class LayoutTest {

    private static final long NOW = 1_000_000_000L;
    private static final long SECOND = 1_000_000_000L;
    private final Layout layout = new Layout(Style.PLAIN);
    private View view;
    private Snapshot snapshot;

    /** The fixture read twice a second apart, as top does, with each worker's CPU seconds grown in between. */
    @BeforeEach
    void readFixtureTwice() throws Exception {
        JsonNode json;
        try (InputStream in = getClass().getResourceAsStream("/top/status.json")) {
            json = new ObjectMapper().readTree(in);
        }
        StatusReader reader = new StatusReader(new CpuMeter(pid -> OptionalDouble.empty()));
        reader.read(json, NOW - 1000, 5 * SECOND);
        JsonNode web = json.path("vassals").path(0).path("workers");
        ((ObjectNode) web.path(0)).put("cpu_seconds", 10.5);
        ((ObjectNode) web.path(1)).put("cpu_seconds", 5.25);
        ((ObjectNode) json.path("vassals").path(2).path("workers").path(0)).put("cpu_seconds", 102.0);
        snapshot = reader.read(json, NOW, 6 * SECOND);
        view = new View();
    }

    private List<String> frame(int width, int height) {
        return layout.render(snapshot, null, view, null, width, height, "12:00:00").stream()
                .map(String::stripTrailing).toList();
    }

    private static String line(List<String> frame, String start) {
        // either selected ('>') or not
        return frame.stream().filter(l -> l.substring(1).startsWith(start.substring(1))).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with '" + start + "' in\n"
                        + String.join("\n", frame)));
    }

    @Test
    void at80ColumnsEveryColumnIsShownAndNoLineIsWider() {
        List<String> f = frame(80, 24);
        assertThat(f).hasSize(24);
        assertThat(f).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));
        assertThat(f.get(0)).isEqualTo("emperor pid 4242 up 1h02m  3 vassals: 1 backoff 2 running  12:00:00");
        assertThat(f.get(1).split("\\s+")).containsExactly("", "NAME", "STATE", "WRK", "HEALTH", "RST", "UPTIME",
                "CPU%", "RSS", "HEAP", "BEAT");
        assertThat(f.get(22)).as("the selected vassal's error").isEqualTo("api: api.ini:3: no command");
        assertThat(f.get(23)).startsWith("q quit").contains("sort (name)").endsWith("!: file broken, old settings run");
    }

    @Test
    void aVassalRowSumsItsWorkersAndShowsTheOldestUptimeAndHeartbeatAndTheWorstHealth() {
        String web = line(frame(80, 24), " + web");
        // 2 live of 2; worst health gc; 2 restarts; oldest worker up 16m40s; 50% + 25% CPU;
        // 100M + 50M RSS; heap 50M (heap_bytes, over telemetry) + 30M (an older emperor: jvm.memory.used, heap
        // pools only); beat 2.5 s
        assertThat(web.split("\\s+")).containsExactly("", "+", "web", "running", "2/2", "gc", "2", "16m40s", "75.0",
                "150M", "80M", "2.5s");
        String api = line(frame(80, 24), ">+ api");
        assertThat(api.split("\\s+")).containsExactly(">+", "api", "!running", "1/1", "no-agent", "0", "1h00m",
                "200", "300M", "-", "-");
    }

    @Test
    void aLongNameEndsInAnEllipsisAndAVassalWithoutProcessesShowsDashes() {
        String batch = line(frame(80, 24), " + batch");
        assertThat(batch).endsWith("+ batch-importer… backoff     0/1 -           7      -     -     -     -      -");
        assertThat(batch.split("\\s+")).containsExactly("", "+", "batch-importer…", "backoff", "0/1", "-", "7",
                "-", "-", "-", "-", "-");
    }

    @Test
    void aNarrowTerminalDropsTheLeastUsefulColumnsFirst() {
        List<String> f = frame(50, 24);
        assertThat(f).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(50));
        assertThat(f.get(1).split("\\s+")).containsExactly("", "NAME", "STATE", "WRK", "RST", "CPU%", "RSS");
        assertThat(line(f, " + web").split("\\s+")).containsExactly("", "+", "web", "running", "2/2", "2", "75.0",
                "150M");
        List<String> tiny = frame(30, 24);
        assertThat(tiny).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(30));
        assertThat(tiny.get(1).split("\\s+")).containsExactly("", "NAME", "STATE");
    }

    @Test
    void aWideTerminalShowsWholeNames() {
        assertThat(frame(120, 24)).anySatisfy(l -> assertThat(l).startsWith(
                " + batch-importer-with-a-really-long-name backoff"));
    }

    @Test
    void sCyclesTheSortThroughNameStateCpuRssAndRestarts() {
        assertThat(names()).containsExactly("api", "batch-importer-with-a-really-long-name", "web");
        press(Key.SORT);
        assertThat(names()).as("state: the worst first").containsExactly("batch-importer-with-a-really-long-name",
                "api", "web");
        press(Key.SORT);
        assertThat(names()).as("cpu, busiest first").containsExactly("api", "web",
                "batch-importer-with-a-really-long-name");
        assertThat(frame(80, 24).get(23)).contains("sort (cpu)");
        press(Key.SORT);
        assertThat(names()).as("rss").containsExactly("api", "web", "batch-importer-with-a-really-long-name");
        press(Key.SORT);
        assertThat(names()).as("restarts").containsExactly("batch-importer-with-a-really-long-name", "web", "api");
        press(Key.SORT);
        assertThat(names()).as("back to name").containsExactly("api", "batch-importer-with-a-really-long-name",
                "web");
    }

    @Test
    void enterExpandsTheSelectedVassalToItsWorkersAndCollapsesIt() {
        press(Key.DOWN);
        press(Key.DOWN);
        assertThat(frame(80, 24).get(4)).startsWith(">+ web");
        press(Key.TOGGLE);
        List<String> f = frame(80, 24);
        assertThat(f.get(4)).startsWith(">- web");
        assertThat(f.get(5).split("\\s+")).containsExactly("", "#1", "pid", "1001", "running", "ok", "0", "16m40s",
                "50.0", "100M", "50M", "0.8s");
        assertThat(f.get(6).split("\\s+")).containsExactly("", "#2", "pid", "1002", "running", "gc", "2", "10s",
                "25.0", "50M", "30M", "2.5s");
        press(Key.DOWN);
        press(Key.DOWN);
        assertThat(frame(80, 24).get(6)).startsWith(">  #2 pid 1002");
        press(Key.TOGGLE); // from a worker row: its vassal collapses and is selected
        f = frame(80, 24);
        assertThat(f.get(4)).startsWith(">+ web");
        assertThat(f).noneMatch(l -> l.contains("pid 1001"));
    }

    @Test
    void theSelectionFollowsItsVassalWhenTheSortMovesIt() {
        press(Key.END);
        assertThat(frame(80, 24).get(4)).startsWith(">+ web");
        press(Key.SORT); // state: web is last but one... wherever it goes, it stays selected
        assertThat(frame(80, 24)).filteredOn(l -> l.startsWith(">")).singleElement()
                .satisfies(l -> assertThat(l).startsWith(">+ web"));
    }

    @Test
    void aShortTerminalScrollsToKeepTheSelectionVisible() {
        List<String> f = frame(80, 5); // summary, header, 2 rows, keys
        assertThat(f).hasSize(5);
        assertThat(f.get(2)).startsWith(">+ api");
        press(Key.END);
        f = frame(80, 5);
        assertThat(f.get(2)).startsWith(" + batch");
        assertThat(f.get(3)).startsWith(">+ web");
    }

    @Test
    void whenTheEmperorStopsAnsweringItSaysWhyAndKeepsTheLastRows() {
        List<String> f = layout.render(snapshot, new Layout.Problem("no emperor answered. Looked in:\n"
                + "  /run/emperor (--run-dir): no control.sock there", "12:00:01"), view, null, 80, 24, "12:00:05")
                .stream().map(String::stripTrailing).toList();
        assertThat(f.get(0)).startsWith("emperor not answering since 12:00:01, retrying");
        assertThat(f.get(1)).isEqualTo("  no emperor answered. Looked in:");
        assertThat(f.get(2)).isEqualTo("  /run/emperor (--run-dir): no control.sock there");
        assertThat(f).anyMatch(l -> l.startsWith(">+ api"));
        assertThat(f).hasSize(24);
    }

    @Test
    void withoutAHeightEveryRowIsPrintedWithErrorsAndWithoutKeyHelp() {
        List<String> f = frame(80, 0);
        assertThat(f).hasSize(6);
        assertThat(f.get(3)).isEqualTo("    error: api.ini:3: no command");
        assertThat(f).noneMatch(l -> l.startsWith(">") || l.startsWith("q quit"));
    }

    @Test
    void controlCharactersInANameCannotReachTheTerminal() {
        Snapshot evil = new Snapshot(snapshot.emperor(), List.of(new Snapshot.Vassal("x\033]0;owned\007y", "running",
                false, 0, 0, 0, null, null, null, null, null, null, null, List.of())));
        assertThat(layout.render(evil, null, view, null, 80, 24, "12:00:00")).noneMatch(l -> l.contains("\033"))
                .anyMatch(l -> l.contains("x?]0;owned?y"));
    }

    @Test
    void colourIsOnlyUsedWhenTheTerminalHasIt() {
        assertThat(Style.detect(java.util.Map.of("TERM", "xterm-256color"), java.nio.charset.StandardCharsets.UTF_8)
                .colour()).isTrue();
        assertThat(Style.detect(java.util.Map.of("TERM", "dumb"), java.nio.charset.StandardCharsets.UTF_8).colour())
                .isFalse();
        assertThat(Style.detect(java.util.Map.of("TERM", "xterm", "NO_COLOR", "1"),
                java.nio.charset.StandardCharsets.UTF_8).colour()).isFalse();
        assertThat(Style.detect(java.util.Map.of(), java.nio.charset.StandardCharsets.US_ASCII).ellipsis())
                .isEqualTo("~");
        List<String> coloured = new Layout(new Style(true, "…")).render(snapshot, null, view, null, 80, 24, "12:00");
        assertThat(line(coloured, "\033[7m>")).as("selected: reverse video; broken file: red")
                .contains("api").contains("\033[31m!running");
        assertThat(line(coloured, " + web")).contains("\033[32mrunning");
    }

    private void press(Key key) {
        view.apply(key, view.rows(snapshot), 20);
    }

    private List<String> names() {
        return view.rows(snapshot).stream().filter(r -> r instanceof Row.VassalRow).map(r -> r.vassal().name())
                .toList();
    }
}
