package dev.emperor.trust;

import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader;
import dev.emperor.config.ConfigLoader.LoadedConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A vassal file loaded the way a root emperor must: judged before it is parsed, read with the
 * trusted read policy (includes, {@code @(file)}), and in tyrant mode pinned to its owner.
 *
 * @param config   the vassal's own options (the emperor's defaults are not applied yet)
 * @param verdict  what the trust check said
 * @param warnings what was used though not trusted (strict off): log each one
 */
public record TrustedLoad(LoadedConfig config, TrustVerdict verdict, List<String> warnings) {

    /**
     * Checks, loads and pins {@code file}. A refusal is a {@link ConfigException} whose
     * message (for the log) says why and what to do, and whose
     * {@link ConfigException#publicText()} (for /stats) quotes nothing from the file.
     */
    public static TrustedLoad load(FileTrust trust, ConfigLoader loader, Path file) throws ConfigException {
        TrustVerdict verdict = trust.check(file);
        verdict.requireUsable();
        TrustedReadPolicy policy = trust.readPolicy(verdict);
        LoadedConfig loaded = trust.applyTyrant(verdict, loader.withReadPolicy(policy).loadVassal(file));
        List<String> warnings = new ArrayList<>(verdict.problems());
        warnings.addAll(policy.warnings());
        return new TrustedLoad(loaded, verdict, List.copyOf(warnings));
    }
}
