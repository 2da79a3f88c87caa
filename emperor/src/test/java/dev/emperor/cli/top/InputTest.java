package dev.emperor.cli.top;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** Keys as terminals send them, CPU from /proc, heap from either telemetry naming. */
class InputTest {

    private static List<Key> keys(String typed) throws Exception {
        KeyDecoder d = new KeyDecoder(new ByteArrayInputStream(typed.getBytes(StandardCharsets.ISO_8859_1)));
        List<Key> out = new ArrayList<>();
        for (Optional<Key> k = d.next(); k.isPresent(); k = d.next()) out.add(k.get());
        return out;
    }

    @Test
    void arrowsInBothCursorModesLettersEnterSpaceAndPagingKeysAreDecoded() throws Exception {
        assertThat(keys("\033[A\033[B\033OA\033OBjk\r\n sSq\033[5~\033[6~\033[H\033[F\033[1;5Ax\033\033[Bq"))
                .containsExactly(Key.UP, Key.DOWN, Key.UP, Key.DOWN, Key.DOWN, Key.UP, Key.TOGGLE, Key.TOGGLE,
                        Key.TOGGLE, Key.SORT, Key.SORT, Key.QUIT, Key.PAGE_UP, Key.PAGE_DOWN, Key.HOME, Key.END,
                        Key.UP, Key.DOWN, Key.QUIT);
    }

    @Test
    void cpuSecondsAreReadFromProcStatEvenWithSpacesAndParenthesesInTheCommandName() {
        String stat = "1234 (my (odd) app) S 1 1234 1234 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 3 0 100 0 0";
        assertThat(CpuMeter.parseStat(stat)).isEqualTo(OptionalDouble.of(3.0));
        assertThat(CpuMeter.parseStat("garbage")).isEmpty();
        assertThat(CpuMeter.fromProc(ProcessHandle.current().pid())).isPresent();
    }

    @Test
    void cpuPercentIsTheGrowthOfCpuSecondsOverWallTimeAndUnknownWithoutTwoSamples() {
        double[] seconds = {4.0};
        CpuMeter m = new CpuMeter(pid -> pid == 7 ? OptionalDouble.of(seconds[0]) : OptionalDouble.empty());
        m.beginRefresh();
        assertThat(m.percent(7, null, 0)).isNull();
        assertThat(m.percent(8, null, 0)).isNull();
        seconds[0] = 4.5;
        m.beginRefresh();
        assertThat(m.percent(7, null, 2_000_000_000L)).isEqualTo(25.0);
        seconds[0] = 1.0; // another process got the pid
        m.beginRefresh();
        assertThat(m.percent(7, null, 3_000_000_000L)).isNull();
    }

    @Test
    void heapIsReadFromOpenTelemetryNamesOrTheOlderKeyAndIsUnknownOtherwise() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertThat(StatusReader.heapBytes(json.readTree("{\"heap.used\": 100}"))).isEqualTo(100L);
        assertThat(StatusReader.heapBytes(json.readTree("""
                {"jvm.memory.used{jvm.memory.type=heap,jvm.memory.pool.name=eden}": 10,
                 "jvm.memory.used{jvm.memory.pool.name=old,jvm.memory.type=heap}": 20,
                 "jvm.memory.used{jvm.memory.type=non_heap,jvm.memory.pool.name=Metaspace}": 999,
                 "heap.used": 5}"""))).isEqualTo(30L);
        assertThat(StatusReader.heapBytes(json.readTree("""
                {"jvm.memory.used": [{"value": 7, "attributes": {"jvm.memory.type": "heap"}},
                                     {"value": 8, "attributes": {"jvm.memory.type": "non_heap"}},
                                     {"value": 9, "attributes": {"jvm.memory.type": "heap"}}]}"""))).isEqualTo(16L);
        assertThat(StatusReader.heapBytes(json.readTree("{\"jvm.thread.count\": 12}"))).isNull();
    }

    @Test
    void unitsFitTheirColumns() {
        assertThat(Units.bytes(812L << 10)).isEqualTo("812K");
        assertThat(Units.bytes(9_961_472L)).isEqualTo("9.5M");
        assertThat(Units.bytes(1023L << 20)).isEqualTo("1.0G");
        assertThat(Units.bytes(null)).isEqualTo("-");
        assertThat(Units.duration(3_725_000L)).isEqualTo("1h02m");
        assertThat(Units.age(812L)).isEqualTo("0.8s");
        assertThat(Units.age(75_000L)).isEqualTo("1m15s");
        assertThat(Units.percent(3.44)).isEqualTo("3.4");
        assertThat(Units.percent(250.2)).isEqualTo("250");
        assertThat(Terminal.positive("132", 80)).isEqualTo(132);
        assertThat(Terminal.positive("-1", 80)).isEqualTo(80);
    }
}
