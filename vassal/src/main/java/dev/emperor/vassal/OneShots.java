package dev.emperor.vassal;

import dev.emperor.vassal.VassalEvent.StopDeadline;
import dev.emperor.vassal.VassalEvent.WorkerExited;
import dev.emperor.vassal.process.JournalSocket;
import dev.emperor.vassal.process.LaunchException;
import dev.emperor.vassal.process.LaunchSpec;
import dev.emperor.vassal.process.Signal;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A vassal's {@code exec-pre} and {@code exec-post-stop} commands: run one after another
 * through the host's launcher, exactly like a worker (its user, groups, limits, directory,
 * environment and log), but outside the worker slots. Each is watched by the host; its exit
 * comes back as a {@link WorkerExited} and its {@code exec-timeout} as a {@link StopDeadline},
 * both for worker id {@link #ID}, so nothing ever blocks the loop. When the sequence is over
 * the caller is told once: null when every command succeeded, else what failed.
 */
final class OneShots {

    /** The worker id of a one-shot command's events (no worker slot has it). */
    static final int ID = -1;

    private static final System.Logger LOG = System.getLogger("emperor.vassal");

    /** Which commands run. */
    enum Phase {
        PRE("exec-pre"), POST_STOP("exec-post-stop");

        final String option;

        Phase(String option) {
            this.option = option;
        }
    }

    private final Vassal vassal;
    private final VassalHost host;
    private final SlotLauncher launcher;

    // The sequence in progress (phase null: none).
    private Phase phase;
    private VassalSettings settings;
    private final Deque<List<String>> left = new ArrayDeque<>();
    private Consumer<String> done;
    private long pid;
    private List<String> current;
    private Cancellable timeout = Cancellable.NONE;
    private boolean timedOut;

    OneShots(Vassal vassal, VassalHost host, SlotLauncher launcher) {
        this.vassal = vassal;
        this.host = host;
        this.launcher = launcher;
    }

    /** The commands {@code s} has for {@code phase}. */
    static List<List<String>> commands(Phase phase, VassalSettings s) {
        return switch (phase) {
            case PRE -> s.oneShots().pre();
            case POST_STOP -> s.oneShots().postStop();
        };
    }

    boolean running() {
        return phase != null;
    }

    /**
     * Runs {@code phase}'s commands of {@code s} in order; {@code onDone} gets null when all
     * succeeded, else the failure (the rest do not run). Any sequence still running is
     * abandoned first. {@code onDone} may be called before this returns (nothing to run, or
     * the first command cannot be started).
     */
    void start(Phase phase, VassalSettings s, Consumer<String> onDone) {
        cancel();
        this.phase = phase;
        this.settings = s;
        this.done = onDone;
        left.addAll(commands(phase, s));
        next();
    }

    /** Kills the command running now (its process group) and forgets the sequence: no callback. */
    void cancel() {
        if (phase == null) return;
        if (pid != 0) {
            log(Level.INFO, phase.option + " `" + String.join(" ", current) + "` (pid " + pid + ") abandoned; killing it");
            host.signalGroup(pid, Signal.KILL);
        }
        reset();
    }

    /** A one-shot process ended: the next command, or the end of the sequence. */
    void exited(WorkerExited e) {
        if (phase == null || e.pid() != pid) return; // one that was abandoned
        timeout.cancel();
        pid = 0;
        if (e.exit().succeeded() && !timedOut) {
            log(Level.INFO, phase.option + " `" + String.join(" ", current) + "` succeeded");
            next();
            return;
        }
        String how = timedOut ? "was killed after exec-timeout (" + WorkerHealth.seconds(settings.oneShots().timeout().toMillis()) + ")"
                : e.exit().describe();
        finish(phase.option + " `" + String.join(" ", current) + "` " + how);
    }

    /** A one-shot ran past exec-timeout: kill its process group; its exit ends the sequence. */
    void timedOut(StopDeadline e) {
        if (phase == null || e.pid() != pid || pid == 0) return;
        timedOut = true;
        log(Level.WARNING, phase.option + " `" + String.join(" ", current) + "` (pid " + pid + ") still runs after exec-timeout; "
                + "killing its process group");
        host.signalGroup(pid, Signal.KILL);
    }

    private void next() {
        while (!left.isEmpty()) {
            current = left.removeFirst();
            timedOut = false;
            try {
                pid = launch(current);
            } catch (LaunchException e) {
                finish(phase.option + " `" + String.join(" ", current) + "` could not be started: " + e.getMessage());
                return;
            }
            log(Level.INFO, phase.option + " `" + String.join(" ", current) + "` started (pid " + pid + ")");
            host.watchExit(vassal, ID, pid);
            timeout = host.schedule(vassal, settings.oneShots().timeout(), new StopDeadline(ID, pid));
            return;
        }
        finish(null);
    }

    /** Launches {@code argv} as the workers would be (their environment without the agent). */
    private long launch(List<String> argv) throws LaunchException {
        Map<String, String> base = host.baseEnvironment(vassal.name(), 1);
        Map<String, String> env = new HashMap<>(base);
        env.putAll(settings.environment());
        base.forEach((k, v) -> {
            if (k.startsWith("EMPEROR_")) env.put(k, v);
        });
        env.remove(JournalSocket.TEST_VARIABLE);
        env.remove("EMPEROR_TOKEN"); // no agent speaks for a one-shot
        env.put("EMPEROR_PHASE", phase.option);
        return host.launch(new LaunchSpec(argv, env, settings.directory(), launcher.logFor(settings),
                "[" + phase.option + "] ", settings.limits())).pid();
    }

    private void finish(String failure) {
        Consumer<String> callback = done;
        reset();
        callback.accept(failure);
    }

    private void reset() {
        timeout.cancel();
        timeout = Cancellable.NONE;
        phase = null;
        settings = null;
        left.clear();
        done = null;
        pid = 0;
        current = null;
        timedOut = false;
    }

    private void log(Level level, String message) {
        LOG.log(level, "vassal " + vassal.name() + ": " + message);
    }
}
