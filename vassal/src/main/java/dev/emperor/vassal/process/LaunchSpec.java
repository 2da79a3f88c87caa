package dev.emperor.vassal.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything needed to start one worker process.
 *
 * @param argv         the program and its arguments, as the user wrote them (argv[0] is passed
 *                     as written; the program is found on PATH, see {@link WorkerLauncher#resolveProgram})
 * @param environment  the complete environment of the process
 * @param directory    its working directory
 * @param log          where its stdout and stderr go
 * @param outputPrefix put before each line of its output in the log (e.g. "[worker 2] ")
 * @param limits       account, umask and resource limits to apply
 * @param cgroup       the {@code cgroup.procs} of the cgroup it joins before its exec (see
 *                     {@link VassalCgroup#joinSpec()}); empty: the launcher's choice (the
 *                     vassal's cgroup when cgroups are in use)
 */
public record LaunchSpec(List<String> argv, Map<String, String> environment, Path directory, LogTarget log,
                         String outputPrefix, ProcessLimits limits, Optional<Path> cgroup) {

    public LaunchSpec {
        argv = List.copyOf(argv);
        environment = Map.copyOf(environment);
        if (argv.isEmpty()) throw new IllegalArgumentException("argv is empty");
    }

    public LaunchSpec(List<String> argv, Map<String, String> environment, Path directory, LogTarget log,
                      String outputPrefix, ProcessLimits limits) {
        this(argv, environment, directory, log, outputPrefix, limits, Optional.empty());
    }

    /** The same, joining the cgroup whose {@code cgroup.procs} is {@code procs}. */
    public LaunchSpec withCgroup(Path procs) {
        return new LaunchSpec(argv, environment, directory, log, outputPrefix, limits, Optional.of(procs));
    }

    /** The log file the output ends up in. */
    public Path logFile() {
        return log.file();
    }
}
