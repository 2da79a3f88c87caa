package dev.emperor.vassal.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts worker processes so that none can escape supervision. Each worker is exec'd
 * through small wrappers that each do one thing and then exec in place, so the pid the JDK
 * reports is the program's own:
 * <ol>
 *   <li>{@code prlimit --nofile=N:N ...} (only with limits) sets resource limits while
 *       still privileged;</li>
 *   <li>{@code setpriv [--reuid U --regid G --init-groups] --pdeathsig KILL} switches user
 *       (only with uid/gid) and makes the kernel kill the worker if the thread that spawned
 *       it dies, which is the emperor's event-loop thread: a SIGKILLed emperor leaves no
 *       worker running. It comes after any user switch, which would clear it;</li>
 *   <li>{@code setsid} makes the worker the leader of its own session and process group, so
 *       a stop signal reaches everything it forked, and a Ctrl-C in the emperor's terminal
 *       does not reach it behind the emperor's back;</li>
 *   <li>{@code env --default-signal} resets every signal to its default action: a process
 *       inherits ignored signals, and an emperor started in the background by a shell has
 *       SIGINT ignored, which a worker would then ignore too (Python's http.server did);</li>
 *   <li>{@code /bin/sh -c 'umask M && exec "$0" "$@"'} (only with umask).</li>
 * </ol>
 * setpriv, setsid and prlimit come with util-linux, env with coreutils (both essential on
 * Debian). Output goes to a FIFO read by the {@link OutputPump}: no thread per worker.
 *
 * <p>Must be called from one long-lived platform thread (see the parent-death note above).
 */
public final class WorkerLauncher {

    private static final File DEV_NULL = new File("/dev/null");

    private final Path setpriv;
    private final Path setsid;
    private final Path env;
    private final Path prlimit;
    private final OutputPump pump;

    public WorkerLauncher(Path setpriv, Path setsid, Path env, Path prlimit, OutputPump pump) {
        this.setpriv = setpriv;
        this.setsid = setsid;
        this.env = env;
        this.prlimit = prlimit;
        this.pump = pump;
    }

    /** Finds the wrappers in the standard folders. */
    public static WorkerLauncher system(OutputPump pump) throws LaunchException {
        return new WorkerLauncher(findSystemTool("setpriv"), findSystemTool("setsid"), findSystemTool("env"),
                findSystemTool("prlimit"), pump);
    }

    public Process launch(LaunchSpec spec) throws LaunchException {
        Path program = resolveProgram(spec);
        if (!Files.isDirectory(spec.directory())) {
            throw new LaunchException("working directory " + spec.directory() + " does not exist");
        }
        ProcessLimits limits = spec.limits();
        if (limits.changesAccount() && Posix.effectiveUid() != 0) {
            throw new LaunchException("uid/gid need the emperor to run as root (it runs as uid "
                    + Posix.effectiveUid() + ")");
        }
        List<String> command = new ArrayList<>(spec.argv().size() + 16);
        if (!limits.rlimits().isEmpty()) {
            command.add(prlimit.toString());
            limits.rlimits().forEach((r, v) -> command.add(r.option() + "=" + v + ":" + v));
            command.add("--");
        }
        command.add(setpriv.toString());
        limits.uid().ifPresent(u -> command.add("--reuid=" + u));
        limits.gid().ifPresent(g -> command.add("--regid=" + g));
        if (limits.uid().isPresent()) {
            if (limits.gid().isEmpty()) command.add("--regid=" + primaryGroup(limits.uid().get()));
            command.add("--init-groups");
        } else if (limits.gid().isPresent()) {
            command.add("--clear-groups");
        }
        command.add("--pdeathsig");
        command.add("KILL");
        command.add("--");
        command.add(setsid.toString());
        command.add("--");
        command.add(env.toString());
        command.add("--default-signal");
        command.add("--");
        if (limits.umask().isPresent()) {
            command.add("/bin/sh");
            command.add("-c");
            command.add("umask " + Integer.toOctalString(limits.umask().getAsInt()) + " && exec \"$0\" \"$@\"");
        }
        command.add(program.toString());
        command.addAll(spec.argv().subList(1, spec.argv().size()));

        OutputPump.PendingOutput output = pump.prepare();
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(spec.directory().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.path().toFile()))
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(spec.environment());
        Process p;
        try {
            p = pb.start();
        } catch (IOException | IllegalArgumentException e) {
            pump.cancel(output);
            throw new LaunchException("cannot start " + program + ": " + e.getMessage());
        }
        pump.attach(output, spec.log(), spec.outputPrefix());
        return p;
    }

    /** setpriv --reuid without --regid keeps the emperor's group; use the user's own instead. */
    private static String primaryGroup(String user) throws LaunchException {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":");
                if (f.length > 3 && (f[0].equals(user) || f[2].equals(user))) return f[3];
            }
        } catch (IOException e) {
            throw new LaunchException("cannot read /etc/passwd to find the group of user " + user);
        }
        if (user.chars().allMatch(Character::isDigit)) return user;
        throw new LaunchException("no user named '" + user + "' on this machine");
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
        throw new LaunchException(name + " not found in /usr/bin, /bin, /usr/sbin or /sbin; install util-linux and coreutils");
    }
}
