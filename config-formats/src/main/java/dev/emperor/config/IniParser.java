package dev.emperor.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * uWSGI's ini reader: {@code [section]} headers, {@code key = value} lines, whole-line
 * {@code ;} and {@code #} comments, repeated keys kept in order, a repeated section merged.
 * As in uWSGI, only spaces, tabs and carriage returns are trimmed, a section name is what
 * lies between the {@code [} and the last character of the line, and a line without
 * {@code =} is an option with an empty value.
 */
final class IniParser {

    private IniParser() {
    }

    /**
     * The options of the first of {@code sections} (in that list's order) that the file has.
     * {@code lines} maps lines of {@code text} back to the file's own lines.
     */
    static RawSection parse(Path file, String text, List<String> sections, Magic.Substituted lines) throws ConfigException {
        Map<String, List<RawSection.RawOption>> found = new HashMap<>();
        List<RawSection.RawOption> current = null;
        int start = 0;
        int lineNo = 0;
        int n = text.length();
        while (start <= n) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = n;
            lineNo++;
            String line = strip(text, start, end);
            start = end + 1;
            if (line.isEmpty() || line.charAt(0) == ';' || line.charAt(0) == '#') {
                if (end == n) break;
                continue;
            }
            int original = lines == null ? lineNo : lines.original(lineNo);
            if (line.charAt(0) == '[') {
                if (line.indexOf(']') < 0) {
                    // uWSGI would silently take "[vassal" as section "vassa" and drop what follows
                    throw new ConfigException(new Origin(file, original), "section header is missing its closing ']'");
                }
                String name = line.substring(1, line.length() - 1);
                current = sections.contains(name) ? found.computeIfAbsent(name, k -> new ArrayList<>()) : null;
            } else if (current != null) {
                int eq = line.indexOf('=');
                String key = eq < 0 ? line : rstrip(line.substring(0, eq));
                String value = eq < 0 ? "" : strip(line, eq + 1, line.length());
                current.add(new RawSection.RawOption(key, value, original));
            }
            if (end == n) break;
        }
        for (String s : sections) {
            if (found.containsKey(s)) return new RawSection(s, found.get(s));
        }
        return new RawSection(null, List.of());
    }

    static boolean blank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
    }

    static String strip(String s, int from, int to) {
        while (from < to && blank(s.charAt(from))) from++;
        while (to > from && blank(s.charAt(to - 1))) to--;
        return s.substring(from, to);
    }

    static String rstrip(String s) {
        int to = s.length();
        while (to > 0 && blank(s.charAt(to - 1))) to--;
        return s.substring(0, to);
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
