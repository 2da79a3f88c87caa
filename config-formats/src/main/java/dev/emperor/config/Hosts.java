package dev.emperor.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Host name and user of this process, found without DNS or native calls. */
final class Hosts {

    private Hosts() {
    }

    static String name() {
        try {
            String s = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
            if (!s.isEmpty()) return s;
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) return env;
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** uid, user name (or the uid), gid, group name (or the gid). */
    static String[] ids() {
        String uid = "0";
        String gid = "0";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) uid = line.substring(4).strip().split("\\s+")[0];
                if (line.startsWith("Gid:")) gid = line.substring(4).strip().split("\\s+")[0];
            }
        } catch (IOException | RuntimeException e) {
            String user = System.getProperty("user.name", "");
            return new String[] {"", user, "", ""};
        }
        return new String[] {uid, lookup(Path.of("/etc/passwd"), uid), gid, lookup(Path.of("/etc/group"), gid)};
    }

    /** The name whose third field is {@code id} in a passwd-style file, else the id itself. */
    private static String lookup(Path file, String id) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.split(":", -1);
                if (f.length > 2 && f[2].equals(id)) return f[0];
            }
        } catch (IOException | RuntimeException e) {
            // no such file: the number will do, as uWSGI falls back to it
        }
        return id;
    }
}
