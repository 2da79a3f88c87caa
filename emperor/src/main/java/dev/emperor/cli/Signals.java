package dev.emperor.cli;

import dev.emperor.daemon.Emperor;
import dev.emperor.daemon.EmperorEvent;
import sun.misc.Signal;

/**
 * SIGINT and SIGTERM stop every vassal gracefully and then exit 0 (the JDK's default would
 * exit 143 at once); a second one kills what is left. SIGHUP reloads every vassal, as with
 * uWSGI's emperor.
 */
final class Signals {

    private Signals() {
    }

    static void install(Emperor emperor) {
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), s -> emperor.post(new EmperorEvent.Shutdown("SIG" + name)));
        }
        Signal.handle(new Signal("HUP"), s -> emperor.post(new EmperorEvent.Reload(null,
                new java.util.concurrent.CompletableFuture<>())));
    }
}
