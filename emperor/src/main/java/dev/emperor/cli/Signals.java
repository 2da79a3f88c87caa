package dev.emperor.cli;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.emperor.daemon.Emperor;
import dev.emperor.daemon.EmperorEvent;
import sun.misc.Signal;

/**
 * SIGINT and SIGTERM stop every vassal gracefully and then exit 0 (the JDK's default would
 * exit 143 at once); a second one kills what is left. SIGHUP re-reads the emperor's own
 * settings and applies what changed (systemd's meaning of reload: {@code systemctl reload} sends
 * it; uWSGI's emperor reloaded every vassal instead, which {@code emperor reload --all} still
 * does). SIGUSR1 reopens every running worker's log (after logrotate).
 *
 * <p>A non-interactive shell starts a {@code cmd &} job with SIGINT ignored, and HotSpot
 * silently installs no handler for a stop signal that was ignored at start (Signal.handle
 * succeeds, nothing ever arrives). A supervisor that `kill -INT` cannot stop is a trap, so
 * SIGINT and SIGTERM go back to their default just before the handler is installed. SIGHUP
 * stays ignored when it was: that is what nohup asks for.
 */
final class Signals {

    private static final System.Logger LOG = System.getLogger("emperor");
    private static final Pointer SIG_DFL = Pointer.createConstant(0);
    private static final long SIG_IGN = 1;
    /** glibc's struct sigaction is 152 bytes on x86-64 and aarch64; the handler comes first. */
    private static final int SIGACTION_SIZE = 256;

    private Signals() {
    }

    interface LibC extends Library {
        int sigaction(int signum, Pointer act, Pointer oldact);

        Pointer signal(int signum, Pointer handler);
    }

    static void install(Emperor emperor, Runnable reopenLogs) {
        // Unhandled, SIGUSR1 would end the JVM; logrotate's postrotate sends it.
        Signal.handle(new Signal("USR1"), s -> {
            LOG.log(System.Logger.Level.INFO, "SIGUSR1: every running worker's log is reopened at its next line");
            reopenLogs.run();
        });
        for (String name : new String[] {"INT", "TERM"}) {
            Signal signal = new Signal(name);
            unignore(signal);
            Signal.handle(signal, s -> emperor.post(new EmperorEvent.Shutdown("SIG" + name)));
        }
        // the emperor logs what the reload did; nobody waits for the answer
        Signal.handle(new Signal("HUP"), s -> emperor.post(new EmperorEvent.ReloadEmperor(
                new java.util.concurrent.CompletableFuture<>())));
    }

    /** Puts {@code signal} back to its default disposition if it was ignored when the emperor started. */
    private static void unignore(Signal signal) {
        try {
            LibC libc = Native.load("c", LibC.class);
            Memory old = new Memory(SIGACTION_SIZE);
            old.clear();
            if (libc.sigaction(signal.getNumber(), null, old) != 0) return;
            if (Pointer.nativeValue(old.getPointer(0)) != SIG_IGN) return;
            libc.signal(signal.getNumber(), SIG_DFL);
            LOG.log(System.Logger.Level.DEBUG, "SIG" + signal.getName() + " was ignored at start (a background job"
                    + " of a script?); it stops the emperor gracefully anyway");
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot check whether SIG" + signal.getName() + " is ignored (" + e
                    + "); if this emperor was started with '&' from a script, stop it with kill -TERM");
        }
    }
}
