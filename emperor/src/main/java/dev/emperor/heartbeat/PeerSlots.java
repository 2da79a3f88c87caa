package dev.emperor.heartbeat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Who may hold how many of the agent socket's connections. The socket is world-connectable,
 * so one local user's flood must neither exhaust the emperor's memory nor keep a real
 * worker's agent out. Connections not yet accepted (no hello, or a hello the loop has not
 * answered) are counted per peer uid:
 * <ul>
 * <li>a uid the emperor runs no worker as ({@linkplain #trust untrusted}) may hold
 *     {@link #UNTRUSTED_PER_UID}, and all such uids together {@link #UNTRUSTED_TOTAL};
 * <li>a uid it runs workers as may hold {@link #TRUSTED_PER_UID} (its own flood then delays
 *     only its own workers);
 * <li>every connection together: {@link #MAX_CONNECTIONS}. The slots untrusted uids can
 *     never take (all but {@link #UNTRUSTED_TOTAL}) are the reserve of the workers' uids.
 * </ul>
 * An accepted connection is a proven worker and counts only against the total.
 * Used by the selector thread only, except {@link #trust}.
 */
final class PeerSlots {

    static final int MAX_CONNECTIONS = 10_000;
    static final int UNTRUSTED_PER_UID = 32;
    static final int UNTRUSTED_TOTAL = 1_024;
    static final int TRUSTED_PER_UID = 2_048;

    private final int ownUid;
    private volatile Set<Long> trusted;
    private final Map<Long, Integer> unacceptedByUid = new HashMap<>();
    private int untrustedUnaccepted;
    private int total;

    PeerSlots(int ownUid) {
        this.ownUid = ownUid;
        this.trusted = Set.of((long) ownUid);
    }

    /** The uids the emperor runs workers as; its own is always among them. Any thread. */
    void trust(Set<Integer> uids) {
        var set = new java.util.HashSet<Long>();
        uids.forEach(u -> set.add(Integer.toUnsignedLong(u)));
        set.add((long) ownUid);
        trusted = Set.copyOf(set);
    }

    long ownUid() {
        return ownUid;
    }

    boolean trusted(long uid) {
        // An unknown uid (no SO_PEERCRED): only tokens can tell, so do not starve it.
        return uid < 0 || trusted.contains(uid);
    }

    /** Why a new connection from {@code uid} is refused, or null when it takes a slot. */
    String admit(long uid) {
        if (total >= MAX_CONNECTIONS) return "the agent socket holds " + MAX_CONNECTIONS + " connections";
        int mine = unacceptedByUid.getOrDefault(uid, 0);
        if (trusted(uid)) {
            if (mine >= TRUSTED_PER_UID) {
                return "uid " + uid + " holds " + mine + " connections that were not accepted (the cap per user)";
            }
        } else {
            if (mine >= UNTRUSTED_PER_UID) {
                return "uid " + uid + " runs no worker and holds " + mine
                        + " connections that were not accepted (the cap for such a user)";
            }
            if (untrustedUnaccepted >= UNTRUSTED_TOTAL) {
                return "users that run no worker hold " + untrustedUnaccepted + " connections (their cap)";
            }
            untrustedUnaccepted++;
        }
        unacceptedByUid.put(uid, mine + 1);
        total++;
        return null;
    }

    /** The connection from {@code uid} was accepted as a worker's: it no longer counts against its uid. */
    void accepted(long uid, boolean wasTrusted) {
        release(uid, wasTrusted);
        total++;
    }

    /** A connection from {@code uid} closed; {@code accepted} says how it was counted. */
    void closed(long uid, boolean accepted, boolean wasTrusted) {
        if (accepted) total--;
        else release(uid, wasTrusted);
    }

    private void release(long uid, boolean wasTrusted) {
        total--;
        unacceptedByUid.computeIfPresent(uid, (k, n) -> n <= 1 ? null : n - 1);
        if (!wasTrusted) untrustedUnaccepted--;
    }

    int total() {
        return total;
    }

    int unaccepted(long uid) {
        return unacceptedByUid.getOrDefault(uid, 0);
    }
}
