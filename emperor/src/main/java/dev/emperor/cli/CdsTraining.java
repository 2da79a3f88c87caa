package dev.emperor.cli;

import dev.emperor.control.ControlServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The run that bin/emperor records a client's class-data archive from
 * ({@code -XX:ArchiveClassesAtExit}, once per build of the jar): the client verbs, run as a
 * user runs them, against a stand-in emperor on a socket in a private temp dir. So the
 * archive holds every class a client call loads (picocli's model, the socket, Jackson for
 * {@code status}, JNA for the uid) whichever verb happens to be called first. Its output goes
 * nowhere; it never touches a real emperor.
 */
final class CdsTraining {

    /** Set (to true) on the JVM's command line to run this instead of the CLI. */
    static final String PROPERTY = "emperor.cds-training";

    private static final long DEADLINE_MS = 30_000;

    private static final String VASSAL = """
            {"name": "app", "state": "running", "restarts": 1, "error": null, "last_exit": "exit 1",
             "workers": [{"id": 1, "pid": %d, "state": "running", "started_at_ms": %d, "health": "ok",
                          "rss_bytes": 47396864, "last_exit": null},
                         {"id": 2, "pid": null, "state": "waiting", "started_at_ms": null, "health": null,
                          "rss_bytes": null, "last_exit": "signal 9"}]}
            """;

    private CdsTraining() {
    }

    static void run() throws IOException {
        // The launcher waits for this run before the user's call: should anything here block, halt
        // (which writes no archive; the call then runs without one).
        Thread.ofPlatform().daemon(true).name("cds-training-deadline").start(() -> {
            try {
                Thread.sleep(DEADLINE_MS);
            } catch (InterruptedException e) {
                return;
            }
            Runtime.getRuntime().halt(3);
        });
        Path dir = Files.createTempDirectory("emperor-cds-training-");
        Path socket = dir.resolve("control.sock");
        String vassal = VASSAL.formatted(ProcessHandle.current().pid(), System.currentTimeMillis() - 65_000);
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), true);
        try (ControlServer emperor = new ControlServer(socket, request -> answer(request, vassal))) {
            emperor.start();
            System.setOut(nowhere);
            System.setErr(nowhere);
            String runDir = "--run-dir=" + dir;
            for (List<String> args : List.of(List.of("status", runDir), List.of("status", "app", runDir),
                    List.of("status", "--json", runDir), List.of("reload", "app", runDir),
                    List.of("restart", "app", runDir), List.of("stop", "app", runDir),
                    List.of("start", "app", runDir), List.of("status", "--run-dir=" + dir.resolve("none")),
                    List.of("--version"))) {
                String[] argv = args.toArray(String[]::new);
                EmperorCommand.commandLine(argv).execute(argv);
            }
        } finally {
            System.setOut(out);
            System.setErr(err);
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    private static String answer(String request, String vassal) {
        if (request.equals("status")) return "{\"emperor\": {\"pid\": 1}, \"vassals\": [" + vassal + "]}\n";
        if (request.startsWith("status ")) return vassal;
        return "ok\n";
    }
}
