package dev.emperor.vassal;

import dev.emperor.vassal.process.JournalSocket;
import dev.emperor.vassal.process.LaunchException;
import dev.emperor.vassal.process.LaunchSpec;
import dev.emperor.vassal.process.LogTarget;
import dev.emperor.vassal.process.WorkerLauncher;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Puts a new process in a worker slot: its environment (the emperor's, then the file's, then
 * the agent in JAVA_TOOL_OPTIONS), its log, its argv (the preload command for slot 0), the
 * launch itself and the watch for its exit. What a failed launch means for the vassal
 * (backoff, failed) is the state machine's decision.
 */
final class SlotLauncher {

    private final Vassal vassal;
    private final VassalHost host;
    /** Read at each use: a reload of the emperor's settings reaches running vassals too. */
    private final Supplier<VassalDefaults> defaults;

    SlotLauncher(Vassal vassal, VassalHost host, Supplier<VassalDefaults> defaults) {
        this.vassal = vassal;
        this.host = host;
        this.defaults = defaults;
    }

    /** The log a vassal with settings {@code s} writes to. */
    LogTarget logFor(VassalSettings s) {
        Path logFile = s.logFile().orElseGet(() -> defaults.get().defaultLogFile(vassal.name()));
        return host.logTarget(vassal.name(), logFile, s.logMaxBytes()).timestamps(s.logTimestamp())
                .journal(s.logJournal() ? vassal.name() : null, s.logFile().isPresent());
    }

    /**
     * Launches a process in {@code w} with settings {@code s}, writing to {@code log}, and
     * resets the slot for it. On failure the slot has no process and says why.
     */
    void launch(WorkerSlot w, VassalSettings s, LogTarget log) throws LaunchException {
        String name = vassal.name();
        Map<String, String> base = host.baseEnvironment(name, Math.max(1, w.id));
        Map<String, String> env = new HashMap<>(base);
        env.putAll(s.environment());
        // The worker's identity is the emperor's to give, whatever the file (or vassal-set) says.
        base.forEach((k, v) -> {
            if (k.startsWith("EMPEROR_")) env.put(k, v);
        });
        env.remove(JournalSocket.TEST_VARIABLE); // the emperor's own test hook, no worker's business
        if (s.agent() && w.id != WorkerSlot.PRELOAD) {
            // Every JVM the worker starts loads the agent; the emperor tells which one is the worker.
            defaults.get().agentJar().ifPresent(jar -> env.merge("JAVA_TOOL_OPTIONS", "-javaagent:" + jar,
                    (old, add) -> old.isBlank() ? add : old + " " + add));
        }
        List<String> argv = w.id == WorkerSlot.PRELOAD ? s.reload().preload().orElseThrow() : s.argv();
        w.settings = s;
        try {
            WorkerLauncher.Launched launched = host.launch(new LaunchSpec(argv, env, s.directory(), log,
                    "[" + w.label() + "] ", s.limits()));
            w.pid = launched.pid();
            w.program = launched.program();
        } catch (LaunchException e) {
            w.pid = 0;
            w.launchError = "cannot start " + w.label() + ": " + e.getMessage();
            throw e;
        }
        w.state = WorkerState.STARTING;
        w.ready = false;
        w.startedMono = host.nowMillis();
        w.startedWall = host.wallMillis();
        w.deadlineDueMono = 0;
        w.health.reset();
        w.launchError = null;
        host.watchExit(vassal, w.id, w.pid);
    }
}
