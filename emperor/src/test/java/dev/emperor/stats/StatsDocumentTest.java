package dev.emperor.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import dev.emperor.daemon.EmperorSnapshot;
import dev.emperor.monitor.DirectoryStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** /metrics says what /stats says about the emperor itself: descriptors, internal errors, directories. */
class StatsDocumentTest {

    @Test
    void metricsCarryTheDescriptorBudgetInternalErrorsAndEachDirectory() {
        EmperorSnapshot s = new EmperorSnapshot(1, "test", 0, 10, List.of("/etc/emperor", "/srv/v\"x"), List.of(),
                List.of(new DirectoryStatus(Path.of("/etc/emperor"), null, null, 0, null),
                        new DirectoryStatus(Path.of("/srv/v\"x"), "no such file or directory", 5L, 3, 9L)),
                117, 4096, 2);

        String text = StatsDocument.prometheus(s, new MetricRegistry());

        assertThat(text).contains("# HELP emperor_fds_in_use ", "# TYPE emperor_fds_in_use gauge\n",
                "\nemperor_fds_in_use 117\n");
        assertThat(text).contains("# HELP emperor_fd_limit ", "# TYPE emperor_fd_limit gauge\n",
                "\nemperor_fd_limit 4096\n");
        assertThat(text).contains("# HELP emperor_internal_errors_total ",
                "# TYPE emperor_internal_errors_total counter\n", "\nemperor_internal_errors_total 2\n");
        assertThat(text).contains("# HELP emperor_directory_listable ", "# TYPE emperor_directory_listable gauge\n",
                "\nemperor_directory_listable{path=\"/etc/emperor\"} 1\n",
                "\nemperor_directory_listable{path=\"/srv/v\\\"x\"} 0\n");
        assertThat(text).contains("# TYPE emperor_directory_list_failures gauge\n",
                "\nemperor_directory_list_failures{path=\"/srv/v\\\"x\"} 3\n");
    }
}
