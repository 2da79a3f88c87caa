package dev.emperor.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The agent bridge travels inside the emperor's jar; {@code agent = true} needs it as a file.
 * It is written to the run dir at start-up (readable by all, since workers may run as other
 * users), so the path in JAVA_TOOL_OPTIONS always matches the emperor that runs.
 */
final class AgentJar {

    private static final System.Logger LOG = System.getLogger("emperor");
    static final String RESOURCE = "/agent/agent-bridge.jar";

    private AgentJar() {
    }

    static Optional<Path> install(Path target) {
        try (InputStream in = AgentJar.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                LOG.log(Level.WARNING, "this build has no agent bridge inside; agent = true will do nothing");
                return Optional.empty();
            }
            Path tmp = target.resolveSibling(".agent-bridge.jar.tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return Optional.of(target);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "cannot write the agent bridge to " + target + ": " + e.getMessage()
                    + "; agent = true will do nothing");
            return Optional.empty();
        }
    }
}
