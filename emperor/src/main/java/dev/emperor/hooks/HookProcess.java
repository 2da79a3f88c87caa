package dev.emperor.hooks;

import dev.emperor.vassal.process.Posix;
import dev.emperor.vassal.process.Signal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;
import org.apache.commons.exec.Watchdog;

/** One run of one hook command with Commons Exec: its exit, how it ended and its bounded output. */
final class HookProcess {

    /** Output kept per run (stdout and stderr together); the rest is counted. */
    static final int LIMIT = 4096;
    /** How long the output pumps may go on after the process is gone (a child that escaped its group). */
    private static final Duration PUMP_STOP = Duration.ofSeconds(2);

    /** How a run ended: {@code how} reads after the command ("exited with code 2"). */
    record Result(boolean succeeded, String how, String output) {
    }

    private HookProcess() {
    }

    /** Runs {@code argv} (in a session of its own when {@code setsid} is known) and waits for it, at most {@code timeout}. */
    static Result run(Path setsid, List<String> argv, Map<String, String> env, Duration timeout) {
        CommandLine line = new CommandLine(setsid != null ? setsid.toString() : argv.get(0));
        for (String arg : setsid != null ? argv : argv.subList(1, argv.size())) {
            line.addArgument(arg, false); // words as written: no quoting games
        }
        BoundedOutput out = new BoundedOutput();
        PumpStreamHandler streams = new PumpStreamHandler(out);
        streams.setStopTimeout(PUMP_STOP);
        GroupWatchdog watchdog = new GroupWatchdog(timeout);
        DefaultExecutor executor = DefaultExecutor.builder().setExecuteStreamHandler(streams).get();
        executor.setWatchdog(watchdog);
        executor.setExitValues(null); // every exit code is returned, none thrown
        try {
            int code = executor.execute(line, env);
            if (watchdog.timedOut()) return new Result(false, "was killed after on-event-timeout ("
                    + timeout.toMillis() / 1000.0 + " s)", out.text());
            // Java reports a death by signal N as 128 + N.
            String how = code > 128 && code < 160 ? "was killed by signal " + (code - 128) : "exited with code " + code;
            return new Result(code == 0, how, out.text());
        } catch (IOException e) { // ExecuteException included: the program could not be run
            return new Result(false, "could not be started: " + e.getMessage(), out.text());
        }
    }

    /** Kills the whole process group of the hook at its timeout, not only the process Java started. */
    static final class GroupWatchdog extends ExecuteWatchdog {
        private volatile long pid;
        private volatile Process process;
        /**
         * Ours, not {@link #killedProcess()}: that one is true only when the process still ran
         * after the group was killed, which a quick reap makes a race.
         */
        private volatile boolean timedOut;

        @SuppressWarnings("deprecation") // the builder cannot be subclassed; this constructor is the way to
        GroupWatchdog(Duration timeout) {
            super(timeout.toMillis());
        }

        @Override
        public synchronized void start(Process process) {
            pid = process.pid();
            this.process = process;
            super.start(process);
        }

        @Override
        public synchronized void timeoutOccured(Watchdog w) {
            timedOut = true;
            long p = pid;
            Process started = process;
            // its children as they are now, for what left the group (or when there was no setsid)
            List<ProcessHandle> children = started == null ? List.of() : started.descendants().toList();
            if (p > 0) {
                try {
                    Posix.killGroup(p, Signal.KILL); // its own session and group (setsid)
                } catch (IllegalStateException e) {
                    // not a group of its own (no setsid): the process and its children are killed below
                }
            }
            children.forEach(ProcessHandle::destroyForcibly);
            if (started != null) started.destroyForcibly();
            super.timeoutOccured(w);
        }

        boolean timedOut() {
            return timedOut;
        }
    }

    /** Keeps the first {@link #LIMIT} bytes; counts the rest. */
    static final class BoundedOutput extends OutputStream {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long more;

        @Override
        public synchronized void write(int b) {
            if (kept.size() < LIMIT) kept.write(b);
            else more++;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int take = Math.min(len, LIMIT - kept.size());
            if (take > 0) kept.write(b, off, take);
            more += len - Math.max(take, 0);
        }

        synchronized String text() {
            String s = kept.toString(StandardCharsets.UTF_8).stripTrailing();
            return more == 0 ? s : s + "\n(" + more + " more bytes not kept)";
        }
    }
}
