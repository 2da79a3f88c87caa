package dev.emperor.trust;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Accounts as the machine's NSS (files, LDAP, sssd) knows them, through the re-entrant libc
 * calls so that any thread may ask.
 */
final class UserDb {

    // glibc's struct passwd and struct group on 64-bit Linux
    private static final int PW_SIZE = 48;
    private static final int PW_UID = 16;
    private static final int PW_GID = 20;
    private static final int GR_SIZE = 32;
    private static final int GR_GID = 16;
    private static final long MAX_BUFFER = 1 << 20;

    private UserDb() {
    }

    static Optional<Identity> byUid(int uid) {
        return lookup((pwd, buf, size, result) -> Libc.c().getpwuid_r(uid, pwd, buf, size, result));
    }

    static Optional<Identity> byName(String name) {
        return lookup((pwd, buf, size, result) -> Libc.c().getpwnam_r(name, pwd, buf, size, result));
    }

    static OptionalInt groupId(String name) {
        long size = 16 << 10;
        while (size <= MAX_BUFFER) {
            Memory grp = new Memory(GR_SIZE);
            Memory buf = new Memory(size);
            PointerByReference result = new PointerByReference();
            int rc = Libc.c().getgrnam_r(name, grp, buf, size, result);
            if (rc == Libc.ERANGE) {
                size *= 4;
                continue;
            }
            return rc == 0 && result.getValue() != null ? OptionalInt.of(grp.getInt(GR_GID)) : OptionalInt.empty();
        }
        return OptionalInt.empty();
    }

    /** The groups the user's processes have: the primary group and every group that lists the user. */
    static int[] groupsOf(Identity who) {
        int[] groups = new int[64];
        IntByReference n = new IntByReference(groups.length);
        if (Libc.c().getgrouplist(who.user(), who.gid(), groups, n) < 0) {
            groups = new int[n.getValue()];
            n.setValue(groups.length);
            Libc.c().getgrouplist(who.user(), who.gid(), groups, n);
        }
        return Arrays.copyOf(groups, Math.min(n.getValue(), groups.length));
    }

    /** {@code alice (uid 1001)}, or {@code uid 1001 (no account)}: how messages name an owner. */
    static String describe(int uid) {
        return byUid(uid).map(Identity::toString).orElse("uid " + Integer.toUnsignedString(uid) + " (no account)");
    }

    private interface Call {
        int run(Pointer pwd, Pointer buf, long size, PointerByReference result);
    }

    private static Optional<Identity> lookup(Call call) {
        long size = 16 << 10;
        while (size <= MAX_BUFFER) {
            Memory pwd = new Memory(PW_SIZE);
            Memory buf = new Memory(size);
            PointerByReference result = new PointerByReference();
            int rc = call.run(pwd, buf, size, result);
            if (rc == Libc.ERANGE) {
                size *= 4;
                continue;
            }
            if (rc != 0 || result.getValue() == null) return Optional.empty();
            return Optional.of(new Identity(pwd.getInt(PW_UID), pwd.getInt(PW_GID), pwd.getPointer(0).getString(0)));
        }
        return Optional.empty();
    }
}
