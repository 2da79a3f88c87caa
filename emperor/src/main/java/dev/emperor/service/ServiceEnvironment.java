package dev.emperor.service;

import java.util.List;

/** What the service manager puts in the emperor's environment for the emperor alone. */
public final class ServiceEnvironment {

    private ServiceEnvironment() {
    }

    /**
     * Never passed on to a worker: a worker that saw them would notify or ping systemd as if it
     * were the emperor, take the emperor's sockets, or log into its journal stream. A worker
     * that needs a notify socket or sockets of its own gets them from its vassal's settings.
     */
    public static final List<String> MANAGER_VARIABLES = List.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
            "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "INVOCATION_ID", "JOURNAL_STREAM", "MANAGERPID",
            "SYSTEMD_EXEC_PID", LoopWedge.VARIABLE, dev.emperor.vassal.process.JournalSocket.TEST_VARIABLE);
}
