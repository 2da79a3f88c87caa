package dev.emperor.vassal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What the emperor hands every vassal, fixed for its run: not settings of the vassal's file,
 * not services of the host, just values.
 *
 * @param throttle          delay growth for workers that fail right after start
 * @param requiredHeartbeat heartbeat silence after which a worker that reported before is hung
 * @param agentJar          the agent bridge to put in JAVA_TOOL_OPTIONS for {@code agent = true}
 * @param logDir            where a vassal's output goes when its file does not say
 *                          ({@code NAME.log})
 */
public record VassalDefaults(Throttle throttle, Duration requiredHeartbeat, Optional<Path> agentJar, Path logDir) {

    public Path defaultLogFile(String vassalName) {
        return logDir.resolve(vassalName + ".log");
    }
}
