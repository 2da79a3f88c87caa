package dev.emperor.vassal;

/**
 * Which of a vassal's transitions are worth an {@code on-event} alert, each told to the host
 * once: entering a crash loop (not each round of backoff in it), giving up, a hung worker
 * killed, a file becoming unusable, and running again after any of these but a kill.
 */
final class Alerts {

    private final Vassal vassal;
    private final VassalHost host;
    /** A crash loop, failure or unusable file was alerted and no recovery since. */
    private boolean troubled;
    /** A crash loop was alerted: its further rounds of backoff are the same loop. */
    private boolean crashLoop;

    Alerts(Vassal vassal, VassalHost host) {
        this.vassal = vassal;
        this.host = host;
    }

    /** The vassal moved from {@code before} to {@code next} ({@code why}); {@code fileUsable}: no file error shown. */
    void moved(VassalState before, VassalState next, String why, boolean fileUsable) {
        if (next == before) return;
        switch (next) {
            case BACKOFF -> {
                if (!crashLoop) {
                    crashLoop = true;
                    troubled = true;
                    tell(VassalAlert.Kind.CRASH_LOOP, why, 0);
                }
            }
            case FAILED -> {
                crashLoop = false;
                troubled = true;
                tell(VassalAlert.Kind.FAILED, why, 0);
            }
            case RUNNING -> {
                crashLoop = false;
                if (fileUsable) recovered(why);
            }
            case STOPPED -> crashLoop = false;
            case INVALID, STARTING, RELOADING, STOPPING -> { } // a crash loop goes through starting
        }
    }

    /** The file became unusable (it was usable, or this is the vassal's first file). */
    void fileInvalid(String why) {
        troubled = true;
        tell(VassalAlert.Kind.CONFIG_INVALID, why, 0);
    }

    /** Running again after an alerted trouble: one recovered alert. */
    void recovered(String why) {
        if (!troubled) return;
        troubled = false;
        tell(VassalAlert.Kind.RECOVERED, why, 0);
    }

    void hungKilled(String reason, long pid) {
        tell(VassalAlert.Kind.HUNG_KILLED, reason, pid);
    }

    private void tell(VassalAlert.Kind kind, String reason, long pid) {
        VassalStatus status = vassal.status();
        host.alert(vassal, new VassalAlert(kind, vassal.name(), reason, vassal.state(), vassal.configFile(),
                status.restarts(), pid));
    }
}
