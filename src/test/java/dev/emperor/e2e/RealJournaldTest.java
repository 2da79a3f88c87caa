package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code log-journal} against the real systemd-journald (systemd is installed on these
 * machines but not running): journald and the packaged emperor run in a mount and pid
 * namespace of their own, with a tmpfs over /run and the journal's directory, so the
 * machine's own /run/systemd is untouched and everything in the namespace dies with its
 * first process. The emperor uses the fixed /run/systemd/journal/socket there, with no test
 * hook; {@code journalctl -t NAME} must find the vassal's lines with their priorities.
 */
class RealJournaldTest extends EmperorTestBase {

    private static final Path JOURNALD = Path.of("/lib/systemd/systemd-journald");
    private Process namespace;

    @AfterEach
    void stopNamespace() throws Exception {
        if (namespace != null && namespace.isAlive()) {
            namespace.destroyForcibly(); // unshare's child is the namespace's init: the rest dies with it
            namespace.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void journalctlFindsTheVassalsLinesUnderItsName() throws Exception {
        assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0,
                "needs root (a mount namespace, and journald's own files); skipped");
        assumeTrue(Files.isExecutable(JOURNALD) && Files.isExecutable(Path.of("/usr/bin/journalctl"))
                && Files.isExecutable(Path.of("/usr/bin/unshare")), "systemd-journald, journalctl or unshare missing; skipped");

        writeVassal("web.ini", "[vassal]\nshell = true\ncommand = echo hello journal; echo trouble >&2;"
                + " echo '<4>careful'; exec sleep " + marker + "\nlog-journal = true\n");
        Path out = tmp.resolve("journal.json");
        Path script = tmp.resolve("inside.sh");
        Files.writeString(script, String.join("\n",
                "set -e",
                "mount -t tmpfs tmpfs /run",
                "if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi",
                JOURNALD + " &",
                "i=0; while [ ! -S /run/systemd/journal/socket ]; do i=$((i+1)); [ $i -lt 200 ]; sleep 0.05; done",
                EmperorProcess.javaBinary() + " --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -jar "
                        + EmperorProcess.jar() + " run --run-dir " + runDir + " " + vassals + " > "
                        + tmp.resolve("emperor.log") + " 2>&1 &",
                "emperor=$!",
                "i=0; until journalctl -t web -o json --no-pager 2>/dev/null | grep -q careful; do"
                        + " i=$((i+1)); [ $i -lt 600 ]; sleep 0.05; done",
                "journalctl -t web -o json --no-pager > " + out,
                "kill $emperor; wait $emperor || true",
                ""));
        List<String> cmd = List.of("unshare", "--mount", "--propagation", "private", "--pid", "--fork",
                "--mount-proc", "--kill-child", "sh", script.toString());
        namespace = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("namespace.log").toFile()).start();
        assertThat(namespace.waitFor(90, TimeUnit.SECONDS)).as("the namespace's script finished").isTrue();
        assertThat(namespace.exitValue()).as("script: %s\nemperor: %s", EmperorProcess.read(tmp.resolve("namespace.log")),
                EmperorProcess.read(tmp.resolve("emperor.log"))).isZero();

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> entries = new ArrayList<>();
        for (String line : Files.readAllLines(out)) entries.add(json.readTree(line));
        JsonNode hello = find(entries, "hello journal");
        assertThat(hello.path("SYSLOG_IDENTIFIER").asText()).isEqualTo("web");
        assertThat(hello.path("PRIORITY").asText()).isEqualTo("6");
        assertThat(hello.path("EMPEROR_STREAM").asText()).isEqualTo("stdout");
        assertThat(hello.path("_PID").asText()).as("the journal's trusted _PID is the sender, the emperor")
                .isNotEqualTo(hello.path("SYSLOG_PID").asText());
        assertThat(find(entries, "trouble").path("PRIORITY").asText()).isEqualTo("5");
        assertThat(find(entries, "careful").path("PRIORITY").asText()).isEqualTo("4");
        assertThat(find(entries, "worker 1 started (pid " + hello.path("SYSLOG_PID").asText() + ")")
                .path("EMPEROR_EVENT").asText()).isEqualTo("started");
        assertThat(runDir.resolve("logs/web.log")).as("the journal alone, no file").doesNotExist();
    }

    private static JsonNode find(List<JsonNode> entries, String message) {
        return entries.stream().filter(e -> e.path("MESSAGE").asText().equals(message)).findFirst()
                .orElseThrow(() -> new AssertionError("no entry '" + message + "' in " + entries));
    }
}
