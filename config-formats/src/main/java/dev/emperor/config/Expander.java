package dev.emperor.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Expands values the way uWSGI does for a file: magic variables ({@code %n}, {@code %d}, ...),
 * then {@code $(ENV)} (an unset variable stays as written), then {@code %(key)} placeholders,
 * which take the first definition of the key.
 */
final class Expander {

    private final Path file;
    private final String section;
    private final Map<String, String> environment;

    Expander(Path file, String section, Map<String, String> environment) {
        this.file = file.toAbsolutePath().normalize();
        this.section = section == null ? "" : section;
        this.environment = environment;
    }

    List<OptionValue> expand(List<OptionValue> raw) {
        List<OptionValue> magic = new ArrayList<>(raw.size());
        for (OptionValue v : raw) {
            magic.add(v.withValue(environment(magic(v.value()))));
        }
        List<OptionValue> out = new ArrayList<>(magic.size());
        for (OptionValue v : magic) {
            out.add(v.withValue(placeholders(v.value(), magic)));
        }
        return out;
    }

    String magic(String value) {
        if (value.indexOf('%') < 0) return value;
        StringBuilder sb = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '%' || i + 1 >= value.length()) {
                sb.append(c);
                continue;
            }
            char m = value.charAt(i + 1);
            String fileName = file.getFileName().toString();
            int dot = fileName.lastIndexOf('.');
            Path dir = file.getParent();
            String replacement = switch (m) {
                case '%' -> "%";
                case 'p' -> file.toString();
                case 'o' -> file.toString();
                case 's' -> fileName;
                case 'n' -> dot > 0 ? fileName.substring(0, dot) : fileName;
                case 'e' -> dot > 0 ? fileName.substring(dot + 1) : "";
                case 'd' -> dir == null ? "/" : dir.toString().endsWith("/") ? dir.toString() : dir + "/";
                case 'c' -> dir == null || dir.getFileName() == null ? "" : dir.getFileName().toString();
                case 'x' -> section;
                case 'v' -> Path.of("").toAbsolutePath().toString();
                case 'k' -> Integer.toString(Runtime.getRuntime().availableProcessors());
                case 'h' -> hostname();
                case '(' -> null; // a placeholder, resolved later
                default -> Character.isLetterOrDigit(m) ? "" : null;
            };
            if (replacement == null) {
                sb.append(c);
            } else {
                sb.append(replacement);
                i++;
            }
        }
        return sb.toString();
    }

    private String environment(String value) {
        int start = value.indexOf("$(");
        if (start < 0) return value;
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (start >= 0) {
            int end = value.indexOf(')', start + 2);
            if (end < 0) break;
            String name = value.substring(start + 2, end);
            String env = environment.get(name);
            sb.append(value, i, start).append(env != null ? env : value.substring(start, end + 1));
            i = end + 1;
            start = value.indexOf("$(", i);
        }
        return sb.append(value.substring(i)).toString();
    }

    private static String placeholders(String value, List<OptionValue> all) {
        int start = value.indexOf("%(");
        if (start < 0) return value;
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (start >= 0) {
            int end = value.indexOf(')', start + 2);
            if (end < 0) break;
            String key = value.substring(start + 2, end).strip();
            String found = null;
            for (OptionValue v : all) {
                if (v.key().equals(key)) {
                    found = v.value();
                    break;
                }
            }
            sb.append(value, i, start).append(found != null ? found : value.substring(start, end + 1));
            i = end + 1;
            start = value.indexOf("%(", i);
        }
        return sb.append(value.substring(i)).toString();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
