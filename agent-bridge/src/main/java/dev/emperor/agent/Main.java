package dev.emperor.agent;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar agent-bridge.jar run-program CMD [ARGS...]}: runs CMD with this jar added
 * to JAVA_TOOL_OPTIONS as {@code -javaagent}, so every JVM CMD starts carries the agent
 * without a change to CMD (a launcher script, a build tool, the app). It behaves like exec:
 * stdio is inherited, SIGTERM, SIGINT and SIGHUP are passed to CMD as SIGTERM, and the exit
 * code is CMD's (128 + N when a signal N ended it). Outside an emperor the agent stays idle.
 */
public final class Main {

    static final String JAVA_TOOL_OPTIONS = "JAVA_TOOL_OPTIONS";

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length >= 1 && (args[0].equals("--version") || args[0].equals("version"))) {
            System.out.println("agent-bridge " + Reporter.version());
            return;
        }
        if (args.length < 2 || !args[0].equals("run-program")) {
            System.err.println("usage: java -jar agent-bridge.jar run-program COMMAND [ARGS...]\n"
                    + "       runs COMMAND with this jar in JAVA_TOOL_OPTIONS (-javaagent), exec-like");
            System.exit(2);
            return;
        }
        System.exit(runProgram(List.of(args).subList(1, args.length)));
    }

    static int runProgram(List<String> command) {
        Path jar = ownJar();
        if (jar == null) {
            System.err.println("agent-bridge: run-program must run from agent-bridge.jar (java -jar .../agent-bridge.jar run-program ...)");
            return 2;
        }
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        Map<String, String> env = pb.environment();
        env.put(JAVA_TOOL_OPTIONS, withAgent(env.get(JAVA_TOOL_OPTIONS), jar));
        Process child;
        try {
            child = pb.start();
        } catch (IOException e) {
            System.err.println("agent-bridge: cannot run " + command.get(0) + ": " + e.getMessage());
            return 127; // what a shell says for a command it cannot run
        }
        forwardSignals(child);
        // A JVM exit for any other reason still takes the child down, and waits for it.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (child.isAlive()) {
                child.destroy();
                waitQuietly(child);
            }
        }, "run-program-shutdown"));
        return waitQuietly(child);
    }

    /** {@code existing} with {@code -javaagent:JAR} appended, unless it is already there. */
    static String withAgent(String existing, Path jar) {
        String path = jar.toAbsolutePath().toString();
        // JAVA_TOOL_OPTIONS is split at white space; HotSpot honours quotes around an option.
        String option = path.chars().anyMatch(Character::isWhitespace) ? "\"-javaagent:" + path + "\"" : "-javaagent:" + path;
        if (existing == null || existing.isBlank()) return option;
        if (Arrays.asList(existing.trim().split("\\s+")).contains(option)) return existing;
        return existing + " " + option;
    }

    /** Signals the wrapper gets are the child's business: pass them on, keep waiting for its exit code. */
    private static void forwardSignals(Process child) {
        for (String name : new String[] {"TERM", "INT", "HUP"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> child.destroy());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // signal not available (or reserved by -Xrs): the shutdown hook covers it
            }
        }
    }

    private static int waitQuietly(Process child) {
        while (true) {
            try {
                return child.waitFor();
            } catch (InterruptedException e) {
                // keep waiting: the exit code is what we are here for
            }
        }
    }

    /** This jar's path, or null when the classes do not come from a jar (tests, IDE). */
    static Path ownJar() {
        try {
            var source = Main.class.getProtectionDomain().getCodeSource();
            if (source == null) return null;
            Path p = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p.toAbsolutePath() : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

}
