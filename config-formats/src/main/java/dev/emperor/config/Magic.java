package dev.emperor.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * uWSGI's magic variables ({@code %n}, {@code %p}, ...) for one file, and their substitution.
 * uWSGI replaces them in the raw text of the whole file before it parses anything, so they
 * also work in keys and section names, and a {@code %} followed by any other character
 * (even a newline) is removed together with that character. We do the same.
 */
final class Magic {

    /** Values that do not depend on the file: one set per load. */
    static final class Process {
        final Path cwd;
        final long epochSeconds;
        final long micros;
        private String hostname;
        private String[] ids;

        Process(Path cwd) {
            this.cwd = cwd;
            java.time.Instant now = java.time.Instant.now();
            this.epochSeconds = now.getEpochSecond();
            this.micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
        }

        /** gethostname(), without a DNS lookup: the kernel's name first. */
        synchronized String hostname() {
            if (hostname == null) {
                hostname = Hosts.name();
            }
            return hostname;
        }

        /** uid, user name, gid, group name of this process. */
        synchronized String[] ids() {
            if (ids == null) {
                ids = Hosts.ids();
            }
            return ids;
        }
    }

    /** Emperor's answer to {@code %V}; uWSGI prints its own version there. */
    static final String VERSION = "emperor-" + versionOf();

    private final String[] table = new String[128];
    private final Process process;
    private Magic upper;

    private String inode() {
        try {
            return String.valueOf(Files.getAttribute(Path.of(table['p']), "unix:ino", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private Magic(Process process) {
        this.process = process;
        java.util.Arrays.fill(table, "");
        table['%'] = "%";
        table['('] = "%(";
    }

    /**
     * The table for a file, as uWSGI fills it when that file is loaded.
     *
     * @param given   the path as written (the {@code %o} value, with any {@code :section})
     * @param file    the file itself, resolved against the working directory
     * @param absoluteAsGiven the path as given made absolute without resolving links ({@code %p} of a symlink)
     * @param section the section after the colon, or null when none was named
     * @param first   the table of the first file of this load (for the upper-case forms), or null if this is it
     */
    static Magic forFile(String given, Path file, String absoluteAsGiven, String section, Magic first, Process process)
            throws IOException {
        Magic m = new Magic(process);
        String full;
        if (Files.isSymbolicLink(file)) {
            full = absoluteAsGiven; // uWSGI keeps a symlink's own name: the cwd joined to the path as given
        } else {
            full = file.toRealPath().toString();
        }
        m.table['o'] = given;
        m.table['p'] = full;
        m.table['j'] = null; // %j and %i cost a hash and a stat: computed when a file uses them
        m.table['i'] = null;
        int slash = full.lastIndexOf('/');
        String s = full.substring(slash + 1);
        String d = full.substring(0, slash + 1);
        m.table['s'] = s;
        m.table['d'] = d;
        String dirNoSlash = d.endsWith("/") ? d.substring(0, d.length() - 1) : d;
        int last = dirNoSlash.lastIndexOf('/');
        m.table['c'] = last < 0 ? "" : dirNoSlash.substring(last + 1);
        int digit = '0';
        for (String part : dirNoSlash.split("/")) {
            if (part.isEmpty()) continue;
            if (digit > '9') break;
            m.table[digit++] = part;
        }
        int dot = s.lastIndexOf('.');
        m.table['e'] = dot < 0 ? "" : s.substring(dot + 1);
        m.table['n'] = dot < 0 ? s : s.substring(0, dot);
        m.table['x'] = section == null ? "" : section;
        m.upper = first == null ? m : first;
        for (char c : new char[] {'o', 'd', 's', 'p', 'c', 'e', 'n', 'x'}) {
            m.table[Character.toUpperCase(c)] = m.upper.table[c];
        }
        m.table['v'] = process.cwd.toString();
        m.table['V'] = VERSION;
        m.table['['] = "\u001b";
        m.table['b'] = System.getProperty("emperor.binary", "");
        return m;
    }

    /** The value for one letter, computing the slow ones (host name, user) only when asked. */
    String value(char c) {
        if (c >= 128) return "";
        return switch (c) {
            case 'h' -> process.hostname();
            case 't' -> Long.toString(process.epochSeconds);
            case 'T' -> Long.toString(process.micros);
            case 'k' -> Integer.toString(Runtime.getRuntime().availableProcessors());
            case 'u' -> process.ids()[0];
            case 'U' -> process.ids()[1];
            case 'g' -> process.ids()[2];
            case 'G' -> process.ids()[3];
            case 'i' -> inode();
            case 'j' -> hash(table['p']);
            case 'I' -> upper.inode();
            case 'J' -> hash(upper.table['p']);
            default -> table[c];
        };
    }

    /** The substituted text and, for each of its lines, the line of the original it came from. */
    record Substituted(String text, int[] lines) {
        /** The original line of a 1-based line of the substituted text. */
        int original(int line) {
            if (line <= 0) return 0;
            if (lines == null) return line; // nothing was substituted
            return line - 1 < lines.length ? lines[line - 1] : lines[lines.length - 1];
        }
    }

    /**
     * Replaces every {@code %X} in {@code text}. {@code atEndToo}: uWSGI reads ini, YAML and
     * JSON with a terminating NUL that a last {@code %} swallows; XML is read without one.
     */
    Substituted apply(String text, boolean atEndToo) {
        if (text.indexOf('%') < 0) return new Substituted(text, null);
        StringBuilder out = new StringBuilder(text.length() + 16);
        IntList lines = new IntList();
        int inLine = 1;
        lines.add(1);
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '%' && (i + 1 < n || atEndToo)) {
                if (i + 1 == n) {
                    break; // "%" + NUL: both gone
                }
                int cp = text.codePointAt(i + 1);
                String v = cp < 128 ? value((char) cp) : "";
                if (cp == '\n') inLine++;
                for (int k = 0; k < v.length(); k++) {
                    if (v.charAt(k) == '\n') lines.add(inLine);
                }
                out.append(v);
                i += Character.charCount(cp);
                continue;
            }
            out.append(c);
            if (c == '\n') {
                inLine++;
                lines.add(inLine);
            }
        }
        return new Substituted(out.toString(), lines.toArray());
    }

    /** The source text for a literal value: every {@code %} doubled, so that no magic variable is seen in it. */
    static String escape(String literal) {
        return literal.replace("%", "%%");
    }

    /** uWSGI's %j: the djb33x hash of the absolute path, as the hex of its bytes in memory (little-endian). */
    static String hash(String path) {
        int h = 5381;
        for (byte b : path.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h = ((h << 5) + h) ^ b; // b is signed, as C's char is on x86
        }
        return String.format("%02X%02X%02X%02X", h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff, (h >>> 24) & 0xff);
    }

    private static String versionOf() {
        String v = Magic.class.getPackage() == null ? null : Magic.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** A growable int array, to avoid boxing one Integer per line. */
    static final class IntList {
        private int[] a = new int[64];
        private int size;

        void add(int v) {
            if (size == a.length) a = java.util.Arrays.copyOf(a, size * 2);
            a[size++] = v;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, size);
        }
    }
}
