package dev.emperor.hooks;

import dev.emperor.agent.WorkerEnvironment;
import dev.emperor.logging.RateLimitedLog;
import dev.emperor.service.ServiceEnvironment;
import dev.emperor.vassal.VassalAlert;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the {@code on-event} hooks that match each {@link VassalAlert}, never on the caller's
 * thread: {@link #fire} only queues. At most {@link #RUNNING} hooks run at once and
 * {@link #WAITING} more wait; past that an event's hooks are dropped, counted and warned
 * about, so a flood of events or a slow hook can never hold up supervision or grow memory.
 * Each hook runs with Commons Exec in a session of its own (through {@code setsid}), under an
 * {@link GroupWatchdog} that kills its whole process group at the timeout; its output is kept
 * up to {@link BoundedOutput#LIMIT} bytes and logged when it ends. Thread-safe.
 */
public final class HookRunner implements AutoCloseable {

    /** Hooks running at once. */
    public static final int RUNNING = 4;
    /** Hooks waiting for one of the {@link #RUNNING} to finish; beyond, they are dropped. */
    public static final int WAITING = 64;

    private static final System.Logger LOG = System.getLogger("emperor.hooks");
    private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));

    private final List<OnEvent> hooks;
    private final Duration timeout;
    private final Map<String, String> baseEnvironment;
    private final ThreadPoolExecutor pool;
    /** One warning per hook (and one for drops) every 10 s; the rest counted. */
    private final RateLimitedLog failures = new RateLimitedLog(LOG, Duration.ofSeconds(10), 64, System::nanoTime);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Path setsid;

    public HookRunner(List<OnEvent> hooks, Duration timeout) {
        this(hooks, timeout, System.getenv());
    }

    HookRunner(List<OnEvent> hooks, Duration timeout, Map<String, String> emperorEnvironment) {
        this.hooks = List.copyOf(hooks);
        this.timeout = timeout;
        Map<String, String> env = new HashMap<>(emperorEnvironment);
        ServiceEnvironment.MANAGER_VARIABLES.forEach(env::remove); // systemd's, for the emperor alone
        env.keySet().removeIf(k -> k.startsWith("LISTEN_") || k.startsWith("WATCHDOG_") || k.startsWith("EMPEROR_"));
        env.remove(WorkerEnvironment.SOCKET);
        env.remove(WorkerEnvironment.TOKEN);
        this.baseEnvironment = Map.copyOf(env);
        this.setsid = SETSID.stream().filter(Files::isExecutable).findFirst().orElse(null);
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(RUNNING, RUNNING, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(WAITING),
                r -> {
                    Thread t = new Thread(r, "on-event-" + n.incrementAndGet());
                    t.setDaemon(true); // a hook never keeps the emperor from exiting
                    return t;
                });
        if (setsid == null && !hooks.isEmpty()) {
            LOG.log(Level.WARNING, "on-event: no setsid found; a hook past its timeout is killed, but not its children");
        }
    }

    /** Whether any hook is configured. */
    public boolean any() {
        return !hooks.isEmpty();
    }

    /** Events whose hooks were dropped because too many were running or waiting. */
    public long dropped() {
        return dropped.get();
    }

    /** Hooks that exited non-zero, were killed at their timeout or could not start. */
    public long failed() {
        return failed.get();
    }

    /** Queues every hook that matches {@code alert}; returns at once. */
    public void fire(VassalAlert alert) {
        for (OnEvent hook : hooks) {
            if (!hook.matches(alert.kind())) continue;
            Map<String, String> env = environment(alert);
            try {
                pool.execute(() -> run(hook, alert, env));
            } catch (RejectedExecutionException e) {
                long total = dropped.incrementAndGet();
                failures.log(Level.WARNING, "dropped", () -> "on-event: " + alert.kind().label() + " of vassal "
                        + alert.vassal() + " not handed to `" + String.join(" ", hook.argv()) + "`: " + RUNNING
                        + " hooks running and " + WAITING + " waiting (" + total + " dropped so far); make the hooks"
                        + " quicker or lower on-event-timeout");
            }
        }
    }

    /** The hook's environment: the emperor's without systemd's, and what the event says. */
    Map<String, String> environment(VassalAlert a) {
        Map<String, String> env = new HashMap<>(baseEnvironment);
        env.put("EMPEROR_EVENT", a.kind().label());
        env.put("EMPEROR_VASSAL", a.vassal());
        env.put("EMPEROR_REASON", a.reason());
        env.put("EMPEROR_STATE", a.state().label());
        env.put("EMPEROR_CONFIG", a.config().toString());
        env.put("EMPEROR_RESTARTS", Integer.toString(a.restarts()));
        if (a.pid() > 0) env.put("EMPEROR_PID", Long.toString(a.pid()));
        env.put("EMPEROR_TIME", Instant.now().toString());
        return env;
    }

    private void run(OnEvent hook, VassalAlert alert, Map<String, String> env) {
        String what = "on-event " + alert.kind().label() + " (vassal " + alert.vassal() + "): `"
                + String.join(" ", hook.argv()) + "`";
        HookProcess.Result r = HookProcess.run(setsid, hook.argv(), env, timeout);
        String output = r.output().isEmpty() ? "" : "; output:\n" + r.output();
        if (r.succeeded()) {
            LOG.log(Level.INFO, what + " exited with code 0" + output);
            return;
        }
        failed.incrementAndGet();
        failures.log(Level.WARNING, String.join(" ", hook.argv()), () -> what + " " + r.how() + output);
    }

    /** Stops taking events; hooks running now are left to finish or reach their timeout. */
    @Override
    public void close() {
        pool.shutdown();
    }
}
