package dev.emperor.trust;

/**
 * A user a vassal runs as: in tyrant mode, the owner of its file, with that user's primary
 * group (not the file's group, which a setgid directory may have chosen for them).
 *
 * @param uid  the user id
 * @param gid  the user's primary group id
 * @param user the account name
 */
public record Identity(int uid, int gid, String user) {

    /** {@code alice (uid 1001)}: how messages name the user. */
    @Override
    public String toString() {
        return user + " (uid " + uid + ")";
    }
}
