package dev.emperor.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import dev.emperor.daemon.EmperorSnapshot;
import dev.emperor.vassal.VassalState;
import dev.emperor.vassal.VassalStatus;
import dev.emperor.vassal.WorkerState;
import dev.emperor.vassal.WorkerStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PublicStatsTest {

    private static final String DUMP = "\"main\" #1 prio=5\n   at App.connect(password=hunter2)";

    private static EmperorSnapshot snapshot() {
        WorkerStatus w = new WorkerStatus(1, 1234L, WorkerState.RUNNING, 1L, 1, "killed by SIGKILL", 800L, 1234L,
                "ok", Map.of("jvm.thread.count", 12), null,
                new WorkerStatus.RestartRecord("hung: no heartbeat for 30 s", 5L, DUMP), "/usr/bin/java");
        VassalStatus v = new VassalStatus("web", Path.of("/etc/emperor/web.ini"), VassalState.RUNNING, 1, null,
                "worker 1 killed by SIGKILL", List.of(w), null, 0, null);
        return new EmperorSnapshot(1, "test", 0, 10, List.of("/etc/emperor"), List.of(v), List.of(), 0, 0L, 0L);
    }

    @Test
    void theTcpStatsWithholdAThreadDumpButKeepWhyTheWorkerWasRestarted() {
        String pub = PublicStats.redact(StatsDocument.json(snapshot(), new MetricRegistry())).toString();

        assertThat(pub).doesNotContain("hunter2").doesNotContain("App.connect")
                .contains("hung: no heartbeat for 30 s").contains(PublicStats.WITHHELD)
                .contains("jvm.thread.count");
    }

    @Test
    void theControlSocketsDocumentKeepsIt() {
        assertThat(StatsDocument.jsonText(snapshot(), new MetricRegistry())).contains("hunter2");
    }
}
