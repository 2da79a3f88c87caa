package dev.emperor.vassal.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to start one worker process.
 *
 * @param argv         the program and its arguments, as the user wrote them
 * @param environment  the complete environment of the process
 * @param directory    its working directory
 * @param log          where its stdout and stderr go
 * @param outputPrefix put before each line of its output in the log (e.g. "[worker 2] ")
 * @param limits       account, umask and resource limits to apply
 */
public record LaunchSpec(List<String> argv, Map<String, String> environment, Path directory, LogTarget log,
                         String outputPrefix, ProcessLimits limits) {

    public LaunchSpec {
        argv = List.copyOf(argv);
        environment = Map.copyOf(environment);
        if (argv.isEmpty()) throw new IllegalArgumentException("argv is empty");
    }

    /** The log file the output ends up in. */
    public Path logFile() {
        return log.file();
    }
}
