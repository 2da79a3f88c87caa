package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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

    private Listener systemd;
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
        systemd = new Listener(tmp.resolve("notify"));
        writeVassal("app.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 2\nready-after = 0.2\n");
        writeVassal("broken.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = many\n");
        emperor = startEmperor();

        // READY=1 once the first scan is applied: the workers run by then
        Received ready = systemd.awaitLine("READY=1");
        assertThat(ready.message()).contains("STATUS=");
        List<ProcessHandle> workers = Processes.withMarker(marker);
        assertThat(workers).hasSize(2);

        // STATUS= follows the vassals' states to the one-line summary
        systemd.awaitLine("STATUS=2 vassals: 1 running, 0 backoff, 1 invalid, 0 failed");

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
        Received reloading = systemd.awaitAfter(before, "RELOADING=1");
        long monotonic = Long.parseLong(reloading.message().lines().filter(l -> l.startsWith("MONOTONIC_USEC="))
                .findFirst().orElseThrow().substring("MONOTONIC_USEC=".length()));
        assertThat(monotonic).isBetween(monoBefore, System.nanoTime() / 1000);
        systemd.awaitAfter(systemd.received().indexOf(reloading) + 1, "READY=1");

        // SIGTERM: STOPPING=1, then a clean exit
        before = systemd.received().size();
        emperor.destroy();
        systemd.awaitAfter(before, "STOPPING=1");
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

    record Received(long atNanos, String message) {
    }

    /** systemd's side of NOTIFY_SOCKET: a bound unix datagram socket read by one thread. */
    private static final class Listener implements AutoCloseable {

        interface LibC extends Library {
            int socket(int domain, int type, int protocol) throws LastErrorException;

            int bind(int fd, byte[] addr, int len) throws LastErrorException;

            int setsockopt(int fd, int level, int option, long[] value, int len) throws LastErrorException;

            long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

            int close(int fd) throws LastErrorException;
        }

        private static final LibC C = Native.load("c", LibC.class);
        private final Path path;
        private final int fd;
        private final List<Received> received = new CopyOnWriteArrayList<>();
        private final Thread reader;
        private volatile boolean closed;

        Listener(Path path) {
            this.path = path;
            byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
            byte[] addr = new byte[2 + name.length + 1];
            addr[0] = 1; // AF_UNIX
            System.arraycopy(name, 0, addr, 2, name.length);
            fd = C.socket(1, 2 | 02000000, 0); // AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC
            C.bind(fd, addr, addr.length);
            C.setsockopt(fd, 1, 20, new long[] {0, 100_000}, 16); // SO_RCVTIMEO 100 ms: close() is seen
            reader = Thread.ofPlatform().name("notify-listener").daemon(true).start(this::read);
        }

        private void read() {
            byte[] buf = new byte[4096];
            while (!closed) {
                try {
                    long n = C.recv(fd, buf, buf.length, 0);
                    received.add(new Received(System.nanoTime(), new String(buf, 0, (int) n, StandardCharsets.UTF_8)));
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != 11 && e.getErrorCode() != 4) throw e; // EAGAIN (timeout), EINTR
                }
            }
        }

        Path path() {
            return path;
        }

        List<Received> received() {
            return List.copyOf(received);
        }

        Received awaitLine(String line) {
            return awaitAfter(0, line);
        }

        /** The first datagram at index {@code from} or later with {@code line} as one of its lines. */
        Received awaitAfter(int from, String line) {
            Received[] found = new Received[1];
            await("datagram with " + line).atMost(SOON).pollInterval(Duration.ofMillis(20)).until(() -> {
                List<Received> all = received();
                for (int i = from; i < all.size(); i++) {
                    if (all.get(i).message().lines().anyMatch(line::equals)) {
                        found[0] = all.get(i);
                        return true;
                    }
                }
                return false;
            });
            return found[0];
        }

        int count(String message) {
            return (int) received.stream().filter(r -> r.message().equals(message)).count();
        }

        List<Long> gapsMillis(String message) {
            List<Long> at = received.stream().filter(r -> r.message().equals(message)).map(Received::atNanos).toList();
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < at.size(); i++) gaps.add((at.get(i) - at.get(i - 1)) / 1_000_000);
            return gaps;
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            reader.join(2000);
            C.close(fd);
        }
    }
}
