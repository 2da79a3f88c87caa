package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged emperor run as systemd runs a {@code Type=notify} service with
 * {@code WatchdogSec=2}: a unix datagram socket stands in for systemd's notify socket and
 * records what arrives, when.
 */
class ServiceNotifyTest extends EmperorTestBase {

    private static final Duration SOON = Duration.ofSeconds(30);
    /** The test hook blocks the emperor's event loop this long, this long after start. */
    private static final long WEDGE_AFTER_MS = 6000;
    private static final long WEDGE_FOR_MS = 5000;
    private static final List<String> SYSTEMD_VARIABLES = List.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
            "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "INVOCATION_ID", "JOURNAL_STREAM", "MANAGERPID",
            "SYSTEMD_EXEC_PID", "EMPEROR_TEST_WEDGE_LOOP");

    private NotifyListener systemd;
    private Process emperor;

    @AfterEach
    void stopEmperorAndListener() throws Exception {
        if (emperor != null && emperor.isAlive()) {
            emperor.destroyForcibly(); // by its pid; the base class kills the workers by marker
            emperor.waitFor(30, TimeUnit.SECONDS);
        }
        if (systemd != null) systemd.close();
    }

    @Test
    void notifiesReadyStatusWatchdogReloadAndStopAndKeepsItsVariablesFromWorkers() throws Exception {
        systemd = new NotifyListener(tmp.resolve("notify"));
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 2\nready-after = 0.2\n");
        writeVassal("broken.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = many\n");
        emperor = startEmperor();

        // READY=1 once the first scan is applied: the workers run by then
        int readyAt = systemd.awaitAfter(0, "READY=1", SOON);
        String ready = systemd.received().get(readyAt);
        assertThat(ready).contains("STATUS=");
        List<ProcessHandle> workers = Processes.withMarker(marker);
        assertThat(workers).hasSize(2);

        // STATUS= follows the vassals' states to the one-line summary
        systemd.awaitAfter(0, "STATUS=2 vassals: 1 running, 0 backoff, 1 invalid, 0 failed", SOON);

        // the workers see nothing of the emperor's systemd environment
        for (ProcessHandle w : workers) {
            List<String> names = environ(w.pid()).stream().map(v -> v.substring(0, Math.max(0, v.indexOf('='))))
                    .toList();
            assertThat(names).as("environment of worker %d", w.pid()).doesNotContainAnyElementsOf(SYSTEMD_VARIABLES)
                    .contains("EMPEROR_VASSAL");
        }

        // WATCHDOG=1 about every second (half of WATCHDOG_USEC), until the loop is wedged ...
        await("the event loop wedged").atMost(SOON).until(() -> log().contains("wedging the event loop"));
        await("the event loop free again").atMost(SOON).until(() -> log().contains("event loop free again"));
        // ... and again once it is free
        int pingsBefore = systemd.count("WATCHDOG=1");
        await("pings resume").atMost(SOON).until(() -> systemd.count("WATCHDOG=1") >= pingsBefore + 2);
        List<Long> gaps = systemd.gapsMillis("WATCHDOG=1");
        long longest = gaps.stream().mapToLong(Long::longValue).max().orElseThrow();
        List<Long> regular = new ArrayList<>(gaps);
        regular.remove(Long.valueOf(longest));
        assertThat(regular).as("gaps between pings outside the wedge (ms)").hasSizeGreaterThanOrEqualTo(3)
                .allMatch(g -> g >= 500 && g < 2000); // under 2000: systemd would have killed it
        assertThat(longest).as("no ping while the loop was wedged for %d ms", WEDGE_FOR_MS)
                .isGreaterThanOrEqualTo(WEDGE_FOR_MS - 1000);

        // SIGHUP: RELOADING=1 with the monotonic clock now, then READY=1
        int before = systemd.received().size();
        long monoBefore = System.nanoTime() / 1000;
        new ProcessBuilder("kill", "-HUP", Long.toString(emperor.pid())).inheritIO().start().waitFor();
        int reloading = systemd.awaitAfter(before, "RELOADING=1", SOON);
        long monotonic = Long.parseLong(systemd.received().get(reloading).lines().filter(l -> l.startsWith("MONOTONIC_USEC="))
                .findFirst().orElseThrow().substring("MONOTONIC_USEC=".length()));
        assertThat(monotonic).isBetween(monoBefore, System.nanoTime() / 1000);
        systemd.awaitAfter(reloading + 1, "READY=1", SOON);

        // SIGTERM: STOPPING=1, then a clean exit
        before = systemd.received().size();
        emperor.destroy();
        systemd.awaitAfter(before, "STOPPING=1", SOON);
        assertThat(emperor.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(emperor.exitValue()).isZero();
    }

    private Process startEmperor() throws Exception {
        Files.createDirectories(runDir);
        Path log = tmp.resolve("emperor.log");
        ProcessBuilder pb = new ProcessBuilder(EmperorProcess.javaBinary().toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-jar", EmperorProcess.jar().toString(),
                "run", "--run-dir", runDir.toString(), vassals.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        SYSTEMD_VARIABLES.forEach(env::remove);
        env.put("NOTIFY_SOCKET", systemd.path().toString());
        env.put("WATCHDOG_USEC", "2000000");
        env.put("INVOCATION_ID", "0123456789abcdef0123456789abcdef");
        env.put("JOURNAL_STREAM", "8:12345");
        env.put("MANAGERPID", "1");
        env.put("LISTEN_FDNAMES", "none");
        env.put("EMPEROR_TEST_WEDGE_LOOP", WEDGE_AFTER_MS + ":" + WEDGE_FOR_MS);
        return pb.start();
    }

    private String log() {
        return EmperorProcess.read(tmp.resolve("emperor.log"));
    }

    private static List<String> environ(long pid) throws Exception {
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        return Arrays.stream(new String(raw, StandardCharsets.UTF_8).split("\0")).filter(s -> !s.isEmpty()).toList();
    }
}
