package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 faults 3, 5, 6, 7 and 8 as a local user without privileges would try them, against
 * the packaged emperor running as root: a flood of partial lines and hellos on the agent
 * socket, event text that tries to forge log lines, and reading a thread dump through /stats.
 */
class HostileLocalUserTest extends EmperorTestBase {

    private static final Duration SOON = Duration.ofSeconds(60);
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    /** Holds N connections to the agent socket, each with a partial line of up to 64 KiB; reopens what is closed. */
    private static final String FLOOD = """
            import socket, sys, selectors, time
            path, n = sys.argv[1], int(sys.argv[2])
            payload = b'{"v":1,"type":"hello","vassal":"' + b'x' * 65500
            sel = selectors.DefaultSelector(); conns = {}
            while True:
                while len(conns) < n:
                    s = socket.socket(socket.AF_UNIX); s.setblocking(False)
                    try: s.connect(path)
                    except BlockingIOError: pass
                    except OSError: s.close(); break
                    conns[s] = 0; sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
                for key, ev in sel.select(0.05):
                    s = key.fileobj
                    try:
                        if ev & selectors.EVENT_READ and not s.recv(4096): raise OSError()
                        if ev & selectors.EVENT_WRITE:
                            if conns[s] >= len(payload): sel.modify(s, selectors.EVENT_READ)
                            else: conns[s] += s.send(payload[conns[s]:])
                    except BlockingIOError: pass
                    except OSError: sel.unregister(s); del conns[s]; s.close()
            """;

    /** A worker speaking the protocol by hand: it sends an event with a forged log line in it, then a hundred more. */
    private static final String CHATTY = """
            import json, os, socket, sys, time
            s = socket.socket(socket.AF_UNIX); s.connect(os.environ['EMPEROR_SOCKET'])
            def send(m): s.sendall((json.dumps(dict(v=1, **m)) + '\\n').encode())
            send(dict(type='hello', vassal=os.environ['EMPEROR_VASSAL'], worker=int(os.environ['EMPEROR_WORKER']),
                      token=os.environ['EMPEROR_TOKEN'], pid=os.getpid(), runtime='python'))
            s.makefile('rb').readline()
            send(dict(type='event', severity='warning',
                      message='disk ok\\n2026-01-01T00:00:00.000Z ERROR vassal bank: FORGED worker 1 was killed'))
            for i in range(100): send(dict(type='event', severity='info', message='spam %d' % i))
            time.sleep(float(sys.argv[1]))
            """;

    private TenantAccount user;
    private Process flood;

    @AfterEach
    void removeUserAndFlood() throws Exception {
        if (flood != null) {
            flood.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (user != null) user.close();
    }

    @Test
    void aFloodFromAUserWithoutWorkersNeitherGrowsTheEmperorNorKeepsARealAgentOut() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "needs /usr/bin/python3 for the flooding client");
        user = TenantAccount.create(); // skips without root: the flood runs as a system user made for the test
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Path script = Files.writeString(tmp.resolve("flood.py"), FLOOD);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));

        EmperorProcess emperor = emperor();
        flood = new ProcessBuilder("setpriv", "--reuid=" + user.name(), "--regid=" + user.name(), "--clear-groups",
                PYTHON.toString(), script.toString(), emperor.runDir().resolve("agent.sock").toString(), "1000")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("flood.out").toFile()).start();
        long floodStart = System.nanoTime();
        // The flood holds its cap: the emperor closes its further connections at once.
        await("the flood reaches its cap").atMost(SOON).pollInterval(Duration.ofMillis(50))
                .until(() -> emperor.log().contains("runs no worker and holds 32 connections"));

        writeVassal("real.ini", "[vassal]\ncommand = " + EmperorProcess.javaBinary() + " " + app("Deadlock.java")
                + " " + marker + "\nagent = true\nheartbeat = 1\n");
        await("the real agent reports while the flood goes on").atMost(SOON).pollInterval(Duration.ofMillis(100))
                .until(() -> emperor.vassal("real").map(v -> v.path("workers").path(0).path("heartbeat_age_ms")
                        .isNumber()).orElse(false));
        assertThat(flood.isAlive()).as("the flood was still running").isTrue();

        // Give the flood at least 8 s in all, then see what the emperor keeps: its live heap after
        // a full collection (RSS would mostly show how big the young generation is allowed to get).
        // The unbounded emperor kept each connection's 64 KiB partial line: 64 MB for 1,000.
        await().atMost(SOON).until(() -> System.nanoTime() - floodStart > Duration.ofSeconds(8).toNanos());
        assertThat(flood.isAlive()).as("the flood was still running").isTrue();
        assertThat(liveHeapKb(emperor.pid())).as("live heap in kB under the flood").isLessThan(32 * 1024);
        // A flood costs a few log lines a minute, not one per connection.
        String uid = Integer.toString(user.uid());
        long refusalLines = emperor.log().lines().filter(l -> l.contains("(uid " + uid + ")")).count();
        assertThat(refusalLines).isLessThanOrEqualTo(4);
    }

    @Test
    void anEventCannotForgeALogLineAndAWorkersFloodOfEventsIsCut() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "needs /usr/bin/python3 for the hand-written agent");
        Path script = Files.writeString(tmp.resolve("chatty.py"), CHATTY);
        writeVassal("chatty.ini", "[vassal]\ncommand = " + PYTHON + " " + script + " " + marker + "\n");
        EmperorProcess emperor = emperor();

        await("the forged event logged").atMost(SOON).until(() -> emperor.log().contains("disk ok"));
        await("the event flood cut").atMost(SOON).until(() -> emperor.log().contains("event messages a second"));
        List<String> lines = emperor.log().lines().toList();
        assertThat(lines).filteredOn(l -> l.startsWith("2026-01-01T00:00:00.000Z")).isEmpty();
        assertThat(lines).anyMatch(l -> l.contains("says: disk ok\\n2026-01-01T00:00:00.000Z ERROR vassal bank: FORGED"));
        long spam = lines.stream().filter(l -> l.contains("says: spam")).count();
        assertThat(spam).isLessThan(100).isGreaterThan(0);
    }

    @Test
    void aThreadDumpIsShownOnTheControlSocketButNotOnTheStatsEveryUserCanRead() throws Exception {
        writeVassal("stuck.ini", "[vassal]\ncommand = " + EmperorProcess.javaBinary() + " " + app("Deadlock.java") + " "
                + marker + "\nagent = true\nheartbeat = 1\nrestart-on-deadlock = true\n");
        EmperorProcess emperor = emperor();
        await("a restart with evidence").atMost(SOON).pollInterval(Duration.ofMillis(200)).until(() ->
                emperor.vassal("stuck").orElseThrow().path("workers").path(0).path("last_restart").isObject());

        JsonNode pub = emperor.vassal("stuck").orElseThrow().path("workers").path(0).path("last_restart");
        assertThat(pub.path("reason").asText()).contains("deadlocked");
        assertThat(pub.path("evidence").asText()).doesNotContain("deadlock-one").contains("emperor status");
        assertThat(emperor.get("/stats")).doesNotContain("Found one Java-level deadlock");

        Path control = emperor.runDir().resolve("control.sock");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(control, LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rw-------");
        JsonNode full = new ObjectMapper().readTree(request(control, "status"));
        JsonNode restart = null;
        for (JsonNode v : full.path("vassals")) {
            if (v.path("name").asText().equals("stuck")) restart = v.path("workers").path(0).path("last_restart");
        }
        assertThat(restart).isNotNull();
        assertThat(restart.path("evidence").asText()).contains("Found one Java-level deadlock").contains("deadlock-one");
    }

    private static String request(Path socket, String line) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) ch.write(out);
            ch.shutdownOutput();
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The emperor's heap in use right after a full collection (jcmd, as root attaching to root). */
    private static long liveHeapKb(long pid) throws Exception {
        Path jcmd = EmperorProcess.javaBinary().resolveSibling("jcmd");
        jcmd(jcmd, pid, "GC.run");
        String info = jcmd(jcmd, pid, "GC.heap_info");
        Matcher m = Pattern.compile("(?im)^\\s*(def ?new|tenured)\\S*\\s.*?used (\\d+)K").matcher(info);
        long used = 0;
        int generations = 0;
        while (m.find()) {
            used += Long.parseLong(m.group(2));
            generations++;
        }
        assertThat(generations).as("generations in:\n" + info).isEqualTo(2);
        return used;
    }

    private static String jcmd(Path jcmd, long pid, String command) throws Exception {
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
