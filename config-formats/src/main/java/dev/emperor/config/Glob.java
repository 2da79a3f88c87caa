package dev.emperor.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * POSIX glob() as uWSGI's {@code for-glob} calls it (GLOB_MARK | GLOB_NOCHECK): {@code *},
 * {@code ?} and {@code [...]} per path component, a leading dot matched only explicitly,
 * directories marked with a trailing slash, results sorted by byte order, and the pattern
 * itself when nothing matches. Relative patterns are relative to {@code cwd} and stay relative.
 */
final class Glob {

    private static final int MAX_RESULTS = Limits.MAX_OPTIONS;

    private Glob() {
    }

    static List<String> expand(String pattern, Path cwd) throws ConfigException {
        List<String> results = new ArrayList<>();
        boolean absolute = pattern.startsWith("/");
        String[] parts = pattern.split("/+", -1);
        List<String> prefixes = new ArrayList<>();
        prefixes.add(absolute ? "/" : "");
        int start = absolute ? 1 : 0;
        for (int i = start; i < parts.length; i++) {
            String part = parts[i];
            boolean last = i == parts.length - 1;
            if (part.isEmpty()) {
                if (last) {
                    List<String> dirs = new ArrayList<>();
                    for (String p : prefixes) if (Files.isDirectory(resolve(cwd, p))) dirs.add(p);
                    prefixes = dirs;
                }
                continue;
            }
            List<String> next = new ArrayList<>();
            for (String prefix : prefixes) {
                Path dir = resolve(cwd, prefix);
                if (!hasMagic(part)) {
                    String candidate = prefix + part;
                    if (Files.exists(resolve(cwd, candidate), LinkOption.NOFOLLOW_LINKS)) next.add(join(candidate, last));
                    continue;
                }
                if (!Files.isDirectory(dir)) continue;
                try (Stream<Path> list = Files.list(dir)) {
                    for (Path child : (Iterable<Path>) list::iterator) {
                        String name = child.getFileName().toString();
                        if (matches(part, name)) {
                            next.add(join(prefix + name, last));
                            if (next.size() > MAX_RESULTS) {
                                throw new ConfigException(Origin.of(cwd), "for-glob '" + pattern + "' matches too many files");
                            }
                        }
                    }
                } catch (IOException e) {
                    // unreadable directory: no matches from it, as glob() without GLOB_ERR
                }
            }
            prefixes = next;
        }
        for (String p : prefixes) {
            String path = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
            if (path.isEmpty()) continue;
            results.add(Files.isDirectory(resolve(cwd, path)) ? path + "/" : path);
        }
        if (results.isEmpty()) return List.of(pattern);
        results.sort(Glob::compareBytes);
        return results;
    }

    private static String join(String path, boolean last) {
        return last ? path : path + "/";
    }

    private static Path resolve(Path cwd, String p) {
        return p.isEmpty() ? cwd : cwd.resolve(p);
    }

    private static boolean hasMagic(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0;
    }

    private static int compareBytes(String a, String b) {
        byte[] x = a.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] y = b.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return java.util.Arrays.compareUnsigned(x, y);
    }

    /** fnmatch() for one component, without FNM_PERIOD's exception: a leading dot must be literal. */
    static boolean matches(String pattern, String name) {
        if (name.startsWith(".") && !pattern.startsWith(".")) return false;
        return match(pattern, 0, name, 0);
    }

    /** Greedy matching with one backtrack point (the last star): O(pattern x name), never exponential. */
    private static boolean match(String p, int pi, String s, int si) {
        int starP = -1;
        int starS = -1;
        while (si < s.length()) {
            if (pi < p.length()) {
                char c = p.charAt(pi);
                if (c == '*') {
                    starP = ++pi;
                    starS = si;
                    continue;
                }
                int step = single(p, pi, s.charAt(si));
                if (step > 0) {
                    pi += step;
                    si++;
                    continue;
                }
            }
            if (starP < 0) return false;
            pi = starP;
            si = ++starS;
        }
        while (pi < p.length() && p.charAt(pi) == '*') pi++;
        return pi == p.length();
    }

    /** How many pattern characters match {@code c} at {@code pi} (0: no match). */
    private static int single(String p, int pi, char c) {
        char pc = p.charAt(pi);
        if (pc == '?') return 1;
        if (pc == '[') {
            int end = classEnd(p, pi);
            if (end < 0) return c == '[' ? 1 : 0;
            return inClass(p, pi + 1, end, c) ? end - pi + 1 : 0;
        }
        if (pc == '\\' && pi + 1 < p.length()) return p.charAt(pi + 1) == c ? 2 : 0;
        return pc == c ? 1 : 0;
    }

    private static int classEnd(String p, int open) {
        int i = open + 1;
        if (i < p.length() && (p.charAt(i) == '!' || p.charAt(i) == '^')) i++;
        if (i < p.length() && p.charAt(i) == ']') i++;
        while (i < p.length() && p.charAt(i) != ']') i++;
        return i < p.length() ? i : -1;
    }

    private static boolean inClass(String p, int from, int end, char c) {
        boolean negate = from < end && (p.charAt(from) == '!' || p.charAt(from) == '^');
        if (negate) from++;
        boolean found = false;
        for (int i = from; i < end; i++) {
            char lo = p.charAt(i);
            if (i + 2 < end && p.charAt(i + 1) == '-') {
                char hi = p.charAt(i + 2);
                if (c >= lo && c <= hi) found = true;
                i += 2;
            } else if (lo == c) {
                found = true;
            }
        }
        return found != negate;
    }
}
