package dev.emperor.vassal.process;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.util.Optional;

/**
 * Turns a vassal's {@code uid} and {@code gid} (names or numbers) into the numbers a worker
 * switches to before its exec (see {@link WorkerLauncher}), through the emperor's own libc so
 * that every account source NSS knows (files, LDAP, sssd) answers, as
 * {@code setpriv --init-groups} did.
 */
final class Accounts {

    /** Offsets in glibc's x86_64 struct passwd and struct group. */
    private static final int PW_UID = 16;
    private static final int PW_GID = 20;
    private static final int GR_GID = 16;

    /**
     * @param uid    the user to switch to, or -1 to keep the emperor's
     * @param gid    the primary group
     * @param groups the supplementary groups (the user's, or none when only a group is given)
     */
    record Account(int uid, int gid, int[] groups) {
    }

    private Accounts() {
    }

    /** Called on the event loop only: getpwnam and getgrnam answer in static buffers. */
    static Account resolve(Optional<String> user, Optional<String> group) throws LaunchException {
        if (user.isEmpty()) {
            return new Account(-1, groupId(group.orElseThrow()), new int[0]);
        }
        String u = user.get();
        Pointer pw = isNumber(u) ? Posix.libc().getpwuid(Integer.parseUnsignedInt(u)) : Posix.libc().getpwnam(u);
        if (pw == null) {
            if (!isNumber(u)) throw new LaunchException("no user named '" + u + "' on this machine");
            // A bare number with no account: its own number as group, no supplementary groups.
            int id = Integer.parseUnsignedInt(u);
            int gid = group.isPresent() ? groupId(group.get()) : id;
            return new Account(id, gid, new int[] {gid});
        }
        String name = pw.getPointer(0).getString(0);
        int uid = pw.getInt(PW_UID);
        int gid = group.isPresent() ? groupId(group.get()) : pw.getInt(PW_GID);
        return new Account(uid, gid, groupsOf(name, gid));
    }

    private static int groupId(String group) throws LaunchException {
        if (isNumber(group)) return Integer.parseUnsignedInt(group);
        Pointer gr = Posix.libc().getgrnam(group);
        if (gr == null) throw new LaunchException("no group named '" + group + "' on this machine");
        return gr.getInt(GR_GID);
    }

    /** What initgroups(3) would set: every group that lists the user, and {@code gid}. */
    private static int[] groupsOf(String user, int gid) {
        int[] groups = new int[64];
        IntByReference n = new IntByReference(groups.length);
        if (Posix.libc().getgrouplist(user, gid, groups, n) < 0) {
            groups = new int[n.getValue()];
            n.setValue(groups.length);
            Posix.libc().getgrouplist(user, gid, groups, n);
        }
        return java.util.Arrays.copyOf(groups, n.getValue());
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() < 10;
    }
}
