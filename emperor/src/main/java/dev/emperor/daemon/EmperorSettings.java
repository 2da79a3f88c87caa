package dev.emperor.daemon;

import dev.emperor.monitor.VassalSource;
import dev.emperor.vassal.Throttle;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How the emperor itself runs.
 *
 * @param sources        the directories and globs to watch
 * @param runDir         sockets, the lock, and default logs
 * @param throttle       delay growth for vassals that fail right after start
 * @param rescanInterval the safety-net scan period, on top of kernel notifications
 * @param stats          where /stats is served, if anywhere
 * @param requiredHeartbeat heartbeat silence after which a worker that reported before is hung
 * @param vassalDefaults the emperor's {@code vassal-set} and {@code vassals-include} options: all
 *                       that crosses from the emperor to its vassals, as defaults they override
 * @param trust          who may write vassal files and includes (strict), and as whom they run (tyrant)
 * @param stateDir       where what outlives the emperor is kept (the vassals an operator stopped); see {@link StateDir}
 * @param statsActions   the dashboard offers actions (set at start; a reload can only turn them off)
 * @param onEvent        the {@code on-event} hooks and their timeout (fixed at start: a reload keeps them)
 */
public record EmperorSettings(List<VassalSource> sources, Path runDir, Throttle throttle, Duration rescanInterval,
                              Optional<InetSocketAddress> stats, Duration requiredHeartbeat,
                              dev.emperor.config.OptionModel vassalDefaults, dev.emperor.trust.FileTrust trust,
                              Path stateDir, boolean statsActions, dev.emperor.hooks.HookSettings onEvent) {

    public EmperorSettings {
        sources = List.copyOf(sources);
    }

    /** Settings without {@code on-event} hooks. */
    public EmperorSettings(List<VassalSource> sources, Path runDir, Throttle throttle, Duration rescanInterval,
                           Optional<InetSocketAddress> stats, Duration requiredHeartbeat,
                           dev.emperor.config.OptionModel vassalDefaults, dev.emperor.trust.FileTrust trust,
                           Path stateDir, boolean statsActions) {
        this(sources, runDir, throttle, rescanInterval, stats, requiredHeartbeat, vassalDefaults, trust, stateDir,
                statsActions, dev.emperor.hooks.HookSettings.NONE);
    }

    public Path logDir() {
        return runDir.resolve("logs");
    }

    public Path agentSocket() {
        return runDir.resolve("agent.sock");
    }

    public Path agentJar() {
        return runDir.resolve("agent-bridge.jar");
    }

    public Path controlSocket() {
        return runDir.resolve("control.sock");
    }
}
