package dev.emperor.vassal.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to start one worker process.
 *
 * @param argv        the program and its arguments, as the user wrote them
 * @param environment the complete environment of the process
 * @param directory   its working directory
 * @param logFile     where its stdout and stderr are appended
 */
public record LaunchSpec(List<String> argv, Map<String, String> environment, Path directory, Path logFile) {

    public LaunchSpec {
        argv = List.copyOf(argv);
        environment = Map.copyOf(environment);
        if (argv.isEmpty()) throw new IllegalArgumentException("argv is empty");
    }
}
