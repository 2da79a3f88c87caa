package dev.emperor.daemon;

import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader;
import dev.emperor.config.Inheritance;
import dev.emperor.config.OptionModel;
import dev.emperor.monitor.VassalFile;
import dev.emperor.trust.FileTrust;
import dev.emperor.trust.TrustVerdict;
import dev.emperor.trust.TrustedLoad;
import dev.emperor.vassal.VassalEvent;
import dev.emperor.vassal.VassalSettings;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Vassal files to settings, as a root emperor must read them: judged by {@link FileTrust}
 * before they are parsed, read through its policy, given the emperor's defaults last, and
 * their errors split between the log (the full text) and the vassal (file and line only).
 * Used by the {@link Reconciler} on the loop.
 */
final class VassalFileReader {

    private static final System.Logger LOG = System.getLogger("emperor");

    private final ConfigLoader loader;
    private final FileTrust trust;
    private final OptionModel inherited;
    /** The last trust verdict on each directory, so that a change (a chmod 777) is logged once. */
    private final Map<Path, TrustVerdict> dirVerdicts = new HashMap<>();

    VassalFileReader(ConfigLoader loader, FileTrust trust, OptionModel inherited) {
        this.loader = loader;
        this.trust = trust;
        this.inherited = inherited;
    }

    /**
     * What a vassal file says: its settings, or why it cannot be used. The one place a file
     * becomes a {@code ConfigLoaded} or {@code ConfigInvalid}. The file is judged before it is
     * parsed (strict mode: who may write it; tyrant mode: as whom it runs), read through the
     * trusted read policy (includes, {@code @(file)}), and only then given the emperor's
     * defaults, so that a tyrant's pinned uid/gid is the last word. The full error goes to the
     * log; the vassal (and so /stats, which every local user may read) gets file and line only.
     */
    VassalEvent read(VassalFile file) {
        if (file.problem().isPresent()) {
            return new VassalEvent.ConfigInvalid(file.path() + ": cannot read: " + file.problem().get());
        }
        try {
            TrustedLoad trusted = TrustedLoad.load(trust, loader, file.path());
            trusted.warnings().forEach(w -> LOG.log(Level.WARNING, "vassal " + file.name() + ": " + w));
            ConfigLoader.LoadedConfig loaded = trusted.config();
            if (!inherited.isEmpty()) loaded = Inheritance.apply(inherited, loaded, loader);
            VassalSettings settings = VassalSettings.from(file.name(), loaded);
            trust.checkLimits(trusted.verdict(), settings.limits());
            return new VassalEvent.ConfigLoaded(settings);
        } catch (ConfigException e) {
            LOG.log(Level.ERROR, "vassal " + file.name() + ": invalid: "
                    + String.join("; ", e.errors().stream().map(Object::toString).toList()));
            return new VassalEvent.ConfigInvalid(e.publicText());
        }
    }

    /**
     * Warns when who may write a vassals directory changed since the last scan. The files in
     * it are judged one by one as they are read (a file in a directory others may write is
     * refused in strict mode), so this only tells the operator, once per change.
     */
    void judgeDirectory(Path dir) {
        TrustVerdict verdict = trust.checkDirectory(dir);
        TrustVerdict before = dirVerdicts.put(dir, verdict);
        if (before == null || before.problems().equals(verdict.problems())) return;
        if (verdict.problems().isEmpty()) {
            LOG.log(Level.INFO, "vassal directory " + dir + " is trusted again");
        } else {
            verdict.problems().forEach(p -> LOG.log(Level.WARNING, "vassal directory " + dir + ": " + p
                    + (verdict.usable() ? "" : "; files in it are refused until this is fixed")));
        }
    }
}
