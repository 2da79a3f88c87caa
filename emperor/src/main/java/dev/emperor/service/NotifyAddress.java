package dev.emperor.service;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where sd_notify datagrams go: {@code NOTIFY_SOCKET} as systemd sets it, a filesystem path
 * ({@code /run/systemd/notify}) or a name in the abstract namespace ({@code @name}).
 *
 * @param name     the path, or the abstract name without its {@code @}
 * @param isAbstract whether {@code name} is in the abstract namespace
 */
public record NotifyAddress(String name, boolean isAbstract) {

    /** sizeof(sun_path) on Linux. */
    static final int SUN_PATH_BYTES = 108;

    public NotifyAddress {
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        // a path needs its terminating NUL inside sun_path, an abstract name its leading one
        if (name.isEmpty() || bytes > SUN_PATH_BYTES - 1) {
            throw new IllegalArgumentException("NOTIFY_SOCKET '" + name + "' is empty or longer than "
                    + (SUN_PATH_BYTES - 1) + " bytes");
        }
        if (name.indexOf('\0') >= 0) throw new IllegalArgumentException("NOTIFY_SOCKET holds a NUL byte");
        if (!isAbstract && !name.startsWith("/")) {
            throw new IllegalArgumentException("NOTIFY_SOCKET '" + name + "' is neither an absolute path nor @name");
        }
    }

    /**
     * The address in {@code NOTIFY_SOCKET}, if any. A value that is no unix socket address
     * (systemd also allows {@code vsock:}, which the emperor does not speak) is refused.
     */
    public static Optional<NotifyAddress> parse(String value) {
        if (value == null || value.isEmpty()) return Optional.empty();
        if (value.startsWith("@")) return Optional.of(new NotifyAddress(value.substring(1), true));
        return Optional.of(new NotifyAddress(value, false));
    }

    /** {@code struct sockaddr_un} (family, then sun_path) and the length to pass with it. */
    byte[] sockaddr() {
        byte[] path = name.getBytes(StandardCharsets.UTF_8);
        // abstract: a leading NUL and no terminator (the length says where it ends); path: NUL-terminated
        int len = 2 + (isAbstract ? 1 + path.length : path.length + 1);
        byte[] addr = new byte[len];
        addr[0] = 1; // AF_UNIX, little endian sa_family_t
        System.arraycopy(path, 0, addr, isAbstract ? 3 : 2, path.length);
        return addr;
    }

    @Override
    public String toString() {
        return isAbstract ? "@" + name : name;
    }
}
