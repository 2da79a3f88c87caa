package dev.emperor.trust;

import com.sun.jna.LastErrorException;
import dev.emperor.config.ConfigError;
import dev.emperor.config.ConfigException;
import dev.emperor.config.Origin;
import dev.emperor.vassal.process.ProcessLimits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The spawner sets a worker's resource limits while it is still root, and root may raise a
 * hard limit: a tenant's vassal in tyrant mode could give itself more open files or
 * processes than its user is allowed. Its limits may not go above the emperor's own hard
 * limits.
 */
final class TenantLimits {

    static final String SUMMARY = "a resource limit above the emperor's own (tyrant mode)";

    private TenantLimits() {
    }

    static void check(Identity tenant, Path file, ProcessLimits limits) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        for (Map.Entry<ProcessLimits.Resource, Long> e : limits.rlimits().entrySet()) {
            long hard = hardLimit(e.getKey());
            if (Long.compareUnsigned(e.getValue(), hard) > 0) {
                String option = "limit-" + e.getKey().name().toLowerCase(java.util.Locale.ROOT);
                errors.add(new ConfigError(Origin.of(file), option + " asks for " + Long.toUnsignedString(e.getValue())
                        + ", above the emperor's own hard limit " + Long.toUnsignedString(hard) + ": in tyrant mode "
                        + tenant + "'s vassal may not raise its limits beyond it; lower " + option, SUMMARY));
            }
        }
        if (!errors.isEmpty()) throw new ConfigException(errors);
    }

    private static long hardLimit(ProcessLimits.Resource resource) {
        int id = switch (resource) {
            case NOFILE -> 7;
            case NPROC -> 6;
            case AS -> 9;
            case CORE -> 4;
        };
        long[] rlimit = new long[2];
        try {
            Libc.c().getrlimit(id, rlimit);
        } catch (LastErrorException e) {
            return 0; // cannot tell: allow nothing above zero rather than everything
        }
        return rlimit[1];
    }
}
