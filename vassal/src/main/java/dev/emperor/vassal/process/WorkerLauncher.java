package dev.emperor.vassal.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts worker processes so that none can escape supervision:
 * <ul>
 *   <li>{@code setsid} makes each worker the leader of its own session and process group,
 *       so a stop signal reaches everything it forked, and a Ctrl-C in the emperor's
 *       terminal does not reach it behind the emperor's back;</li>
 *   <li>{@code setpriv --pdeathsig KILL} makes the kernel kill the worker if the thread that
 *       spawned it dies, which is the emperor's event-loop thread: a SIGKILLed emperor
 *       leaves no worker running;</li>
 *   <li>{@code env --default-signal} resets every signal to its default action: a process
 *       inherits ignored signals, and an emperor started in the background by a shell has
 *       SIGINT ignored, which a worker would then ignore too (Python's http.server did).</li>
 * </ul>
 * setpriv and setsid come with util-linux, env with coreutils (both essential on Debian);
 * all three exec in place, so the pid the JDK reports is the worker's own. Output goes straight to the log file
 * (O_APPEND, no pump thread), so a chatty worker never waits on the emperor.
 *
 * <p>Must be called from one long-lived platform thread (see the parent-death note above).
 */
public final class WorkerLauncher {

    private static final File DEV_NULL = new File("/dev/null");

    private final Path setpriv;
    private final Path setsid;
    private final Path env;

    public WorkerLauncher(Path setpriv, Path setsid, Path env) {
        this.setpriv = setpriv;
        this.setsid = setsid;
        this.env = env;
    }

    /** Finds setpriv, setsid and env in the standard folders. */
    public static WorkerLauncher system() throws LaunchException {
        return new WorkerLauncher(findSystemTool("setpriv"), findSystemTool("setsid"), findSystemTool("env"));
    }

    public Process launch(LaunchSpec spec) throws LaunchException {
        Path program = resolveProgram(spec);
        try {
            Files.createDirectories(spec.logFile().toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new LaunchException("cannot create the log folder for " + spec.logFile() + ": " + e.getMessage());
        }
        if (!Files.isDirectory(spec.directory())) {
            throw new LaunchException("working directory " + spec.directory() + " does not exist");
        }
        var command = new java.util.ArrayList<String>(spec.argv().size() + 6);
        command.add(setpriv.toString());
        command.add("--pdeathsig");
        command.add("KILL");
        command.add("--");
        command.add(setsid.toString());
        command.add("--");
        command.add(env.toString());
        command.add("--default-signal");
        command.add("--");
        command.add(program.toString());
        command.addAll(spec.argv().subList(1, spec.argv().size()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(spec.directory().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()))
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(spec.environment());
        try {
            return pb.start();
        } catch (IOException e) {
            throw new LaunchException("cannot start " + program + ": " + e.getMessage());
        }
    }

    /**
     * Resolves the program as execvp would (a name with a slash is a path from the working
     * directory, else it is searched on the worker's PATH), so that a missing program is
     * reported by name instead of as an exit code from setsid.
     */
    static Path resolveProgram(LaunchSpec spec) throws LaunchException {
        String name = spec.argv().get(0);
        if (name.isEmpty()) {
            throw new LaunchException("the command is empty");
        }
        if (name.contains("/")) {
            Path p = spec.directory().resolve(name).normalize();
            if (!Files.exists(p)) throw new LaunchException("program " + p + " does not exist");
            if (Files.isDirectory(p) || !Files.isExecutable(p)) {
                throw new LaunchException("program " + p + " is not an executable file");
            }
            return p;
        }
        String path = spec.environment().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = spec.directory().resolve(dir).resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new LaunchException("program '" + name + "' not found on PATH (" + path + ")");
    }

    private static Path findSystemTool(String name) throws LaunchException {
        for (String dir : new String[] {"/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p;
        }
        throw new LaunchException(name + " not found in /usr/bin or /bin; install util-linux and coreutils");
    }
}
