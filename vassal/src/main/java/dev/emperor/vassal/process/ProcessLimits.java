package dev.emperor.vassal.process;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Who a vassal's workers run as and what they may use. Applied when each worker starts, in
 * the child {@code emperor-spawner} cloned, before it execs the program (see
 * {@link WorkerLauncher}): resource limits as both soft and hard limit, the umask, then
 * groups and user.
 *
 * @param uid     user name or number; empty: the emperor's user
 * @param gid     group name or number; empty: the user's primary group (or the emperor's)
 * @param umask   file mode creation mask; empty: inherited from the emperor
 * @param rlimits resource limits in the kernel's units (bytes for AS and CORE)
 */
public record ProcessLimits(Optional<String> uid, Optional<String> gid, OptionalInt umask, Map<Resource, Long> rlimits) {

    public static final ProcessLimits NONE = new ProcessLimits(Optional.empty(), Optional.empty(), OptionalInt.empty(),
            Map.of());

    public ProcessLimits {
        rlimits = Map.copyOf(rlimits);
    }

    public boolean changesAccount() {
        return uid.isPresent() || gid.isPresent();
    }

    /** The rlimits we set; the spawner takes them by lower-case name. */
    public enum Resource {
        NOFILE, NPROC, AS, CORE
    }
}
