package dev.emperor.agent.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Processes a test starts: output to a file, environment controlled, all killed (with descendants) by {@link #close()}. */
public final class Children implements AutoCloseable {

    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private int count;

    public Children(Path dir) {
        this.dir = dir;
    }

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The class path of the test classes (TestApp), for child JVMs. */
    public static String testClasses() {
        try {
            return Path.of(Children.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The packaged agent jar (failsafe passes its path). */
    public static Path agentJar() {
        String p = System.getProperty("agent.jar");
        if (p == null) throw new IllegalStateException("agent.jar not set: run with failsafe (mvn verify)");
        Path jar = Path.of(p);
        if (!Files.isRegularFile(jar)) throw new IllegalStateException(jar + " missing: package first");
        return jar;
    }

    /** Starts {@code command}; {@code env} entries with a null value are removed. JAVA_TOOL_OPTIONS is unset unless given. */
    public Process start(Map<String, String> env, List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        Path out = output(++count);
        pb.redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        for (String k : List.of("EMPEROR_SOCKET", "EMPEROR_VASSAL", "EMPEROR_WORKER", "EMPEROR_TOKEN")) pb.environment().remove(k);
        env.forEach((k, v) -> {
            if (v == null) pb.environment().remove(k);
            else pb.environment().put(k, v);
        });
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private Path output(int n) {
        return dir.resolve("child-" + n + ".log");
    }

    /** Everything the children printed so far (for assertions and failure messages). */
    public String output() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= count; i++) {
            Path f = output(i);
            if (Files.exists(f)) sb.append("--- child ").append(i).append(" ---\n").append(Files.readString(f));
        }
        return sb.toString();
    }

    public String output(Process p) throws IOException {
        return Files.readString(output(processes.indexOf(p) + 1));
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            List<ProcessHandle> tree = new ArrayList<>();
            p.descendants().forEach(tree::add);
            p.destroyForcibly();
            for (ProcessHandle h : tree) h.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            for (ProcessHandle h : tree) h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> null).join();
        }
    }
}
