package dev.emperor.daemon;

import dev.emperor.service.ServiceManager;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A reload of the emperor's own settings (SIGHUP, {@code systemctl reload}, {@code emperor
 * reload --emperor}), between RELOADING=1 and READY=1: the settings are read again as at
 * start, and what changed is applied: directories watched (a directory no longer named takes
 * its vassals with it, gracefully; a new one starts its own), throttle, rescan interval,
 * required heartbeat, strict and tyrant (every file is judged again), and the defaults
 * vassals inherit (vassal-set, vassals-include): a vassal whose effective settings changed
 * reloads gracefully, as if its file had been edited, and the others are not touched. What
 * cannot change while the emperor runs (run dir, stats address, state dir) is kept, with a
 * warning. Settings that do not read leave everything as it is, and the answer lists why.
 *
 * <p>Used on the event loop only.
 */
final class SettingsReloader {

    private static final System.Logger LOG = System.getLogger("emperor");

    private final SettingsSource source;
    private final ServiceManager service;
    private final Reconciler reconciler;

    SettingsReloader(SettingsSource source, ServiceManager service, Reconciler reconciler) {
        this.source = source;
        this.service = service;
        this.reconciler = reconciler;
    }

    /** Reloads; {@code adopt} gets the settings to run with. Returns the answer for the operator. */
    String reload(EmperorSettings current, Consumer<EmperorSettings> adopt) {
        service.reloading(); // hook (service)
        String failed = "an internal error (see the log)";
        try {
            String answer = switch (source.read()) {
                case SettingsSource.Broken b -> {
                    failed = b.errors().isEmpty() ? "the settings file does not read" : b.errors().getFirst();
                    yield refuse(b);
                }
                case SettingsSource.Read r -> apply(current, r, adopt);
            };
            if (answer.startsWith("error:")) {
                service.reloadFailed(failed); // hook (service): ready with the old settings, and says why
            } else {
                service.ready(); // hook (service)
            }
            return answer;
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "internal error while reloading the emperor's settings (a bug: please report it"
                    + " with this stack trace); what ran before keeps running", e);
            service.reloadFailed(failed);
            return "error: the emperor's settings were not reloaded (an internal error; see the emperor's log)";
        }
    }

    private static String refuse(SettingsSource.Broken broken) {
        LOG.log(Level.ERROR, "the emperor's settings were not reloaded; everything keeps running as it is."
                + " Fix these, then reload again:");
        broken.errors().forEach(err -> LOG.log(Level.ERROR, "  " + err));
        return "error: the emperor's settings were not reloaded; everything keeps running as it is:\n"
                + String.join("\n", broken.errors());
    }

    private String apply(EmperorSettings current, SettingsSource.Read read, Consumer<EmperorSettings> adopt) {
        read.warnings().forEach(w -> LOG.log(Level.WARNING, w));
        SettingsChange change = SettingsChange.between(current, read.settings(), read.files());
        change.warnings().forEach(w -> LOG.log(Level.WARNING, w));
        EmperorSettings next = change.applied();
        adopt.accept(next);
        reconciler.reconfigure(next.sources(), next.trust(), next.vassalDefaults());
        reconciler.scan(); // a new directory starts its vassals; one no longer watched stops its own
        List<String> reloading = reconciler.rereadAll();
        List<String> parts = new ArrayList<>();
        parts.add("reloaded the emperor's settings" + (read.files().isEmpty() ? ""
                : " from " + String.join(", ", read.files())));
        if (!change.summary().isEmpty()) parts.add(change.summary());
        parts.add(reloading.isEmpty() ? "no vassal's effective settings changed"
                : reloading.size() + " vassal(s) reloading gracefully: " + String.join(", ", reloading));
        String summary = String.join("; ", parts);
        LOG.log(Level.INFO, summary);
        return summary + change.warnings().stream().map(w -> "\nwarning: " + w).collect(Collectors.joining());
    }
}
