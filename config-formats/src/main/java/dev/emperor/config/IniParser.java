package dev.emperor.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * uWSGI-style ini: {@code [section]} headers, {@code key = value} lines, {@code ;} and
 * {@code #} comment lines, repeated keys kept in order. Only the selected section is read.
 */
final class IniParser {

    private IniParser() {
    }

    /**
     * The options of the first section whose name is one of {@code sections}, or empty
     * {@code found} when the file has none of them.
     */
    static Section parse(Path file, String text, List<String> sections) throws ConfigException {
        List<OptionValue> values = new ArrayList<>();
        List<ConfigError> errors = new ArrayList<>();
        String current = null;
        String selected = null;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]")) {
                    errors.add(new ConfigError(new Origin(file, lineNo), "section header is missing its closing ']'"));
                    current = null;
                    continue;
                }
                current = line.substring(1, line.length() - 1).strip();
                if (selected == null && sections.contains(current)) {
                    selected = current;
                }
                continue;
            }
            if (current == null || !current.equals(selected)) {
                continue; // options of other sections are not ours to judge
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                errors.add(new ConfigError(new Origin(file, lineNo),
                        "expected 'key = value', found '" + abbreviate(line) + "'"));
                continue;
            }
            String key = line.substring(0, eq).strip();
            if (key.isEmpty()) {
                errors.add(new ConfigError(new Origin(file, lineNo), "option name missing before '='"));
                continue;
            }
            values.add(new OptionValue(key, line.substring(eq + 1).strip(), new Origin(file, lineNo)));
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new Section(selected, values);
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** The section that was read ({@code null} if none matched) and its options. */
    record Section(String name, List<OptionValue> values) {
    }
}
