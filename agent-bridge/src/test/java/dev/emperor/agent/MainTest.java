package dev.emperor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MainTest {

    private final Path jar = Path.of("/opt/emperor/agent-bridge.jar");

    @Test
    void appendsTheAgentToJavaToolOptionsOnce() {
        assertThat(Main.withAgent(null, jar)).isEqualTo("-javaagent:/opt/emperor/agent-bridge.jar");
        assertThat(Main.withAgent("  ", jar)).isEqualTo("-javaagent:/opt/emperor/agent-bridge.jar");
        assertThat(Main.withAgent("-Xmx1g -Dx=1", jar)).isEqualTo("-Xmx1g -Dx=1 -javaagent:/opt/emperor/agent-bridge.jar");
        assertThat(Main.withAgent("-Xmx1g -javaagent:/opt/emperor/agent-bridge.jar", jar))
                .isEqualTo("-Xmx1g -javaagent:/opt/emperor/agent-bridge.jar");
        assertThat(Main.withAgent(null, Path.of("/opt/my apps/agent-bridge.jar")))
                .isEqualTo("\"-javaagent:/opt/my apps/agent-bridge.jar\"");
    }

    @Test
    void aTestJvmIsNotTheRunProgramWrapper() {
        assertThat(AgentMain.isRunProgramWrapper()).isFalse();
        assertThat(Main.ownJar()).as("classes come from a directory here").isNull();
    }
}
