package dev.emperor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WorkerEnvironmentTest {

    @Test
    void readsWhatTheEmperorWrites() {
        WorkerEnvironment env = new WorkerEnvironment("web", 3, Optional.of("/run/emperor/agent.sock"), Optional.empty());

        assertThat(WorkerEnvironment.from(env.toVariables())).contains(env);
        assertThat(env.toVariables()).containsEntry("EMPEROR_VASSAL", "web").containsEntry("EMPEROR_WORKER", "3")
                .doesNotContainKey("EMPEROR_TOKEN");
    }

    @Test
    void aProcessNotStartedByAnEmperorHasNoWorkerEnvironment() {
        assertThat(WorkerEnvironment.from(Map.of())).isEmpty();
        assertThat(WorkerEnvironment.from(Map.of("EMPEROR_VASSAL", "web"))).isEmpty();
        assertThat(WorkerEnvironment.from(Map.of("EMPEROR_VASSAL", "web", "EMPEROR_WORKER", "x"))).isEmpty();
        assertThat(WorkerEnvironment.from(Map.of("EMPEROR_VASSAL", "web", "EMPEROR_WORKER", "0"))).isEmpty();
    }
}
