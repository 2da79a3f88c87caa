package dev.emperor.config;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code emperor config convert}: writes options in any of the four formats so that reading
 * the result gives the same options back. {@link #write} takes literal values (every
 * {@code %} is doubled: uWSGI replaces {@code %X} in the raw text before anything else);
 * {@link #writeSource} takes values in source form, as {@link ConfigLoader#loadUnexpanded}
 * gives them, so that placeholders, includes, blocks and magic variables of the original are
 * kept and expand as they did. A repeated key is one list in YAML and JSON (neither may hold
 * a key twice) and repeated lines in ini and XML; YAML is quoted only where a plain scalar
 * would read differently. What a format cannot carry is refused with the option's origin: in
 * ini, a value with a newline or with leading or trailing blanks (uWSGI trims them) and keys
 * with {@code =}; in XML, keys that are not element names and a non-empty {@code app}
 * (uWSGI's XML reader makes it a mount); in YAML and JSON, a key repeated around options
 * whose order matters (a block, an include, {@code set}, a {@code %(placeholder)}), which a
 * list would reorder.
 */
public final class ConfigWriter {

    private ConfigWriter() {
    }

    /** The text of a file holding {@code options} (literal values) in {@code section} ({@code [uwsgi]}, {@code vassal}: ...). */
    public static String write(OptionModel options, ConfigFormat format, String section) throws ConfigException {
        List<OptionValue> source = new ArrayList<>();
        for (OptionValue v : options.values()) {
            source.add(new OptionValue(Magic.escape(v.key()), Magic.escape(v.value()), v.origin()));
        }
        return writeSource(new OptionModel(source), format, section);
    }

    /** The same for options in source form: their {@code %} sequences are written as they are. */
    public static String writeSource(OptionModel options, ConfigFormat format, String section) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        String text = switch (format) {
            case INI -> ini(options, section, errors);
            case YAML -> yaml(groups(options, errors), section);
            case JSON -> json(groups(options, errors), section);
            case XML -> xml(options, section, errors);
        };
        if (!errors.isEmpty()) throw new ConfigException(errors);
        return text;
    }

    private static String magic(String s) {
        return Magic.escape(s);
    }

    /** One key and its values, in the order written: a list when there are several. */
    private record Group(String key, List<OptionValue> values) {
    }

    /**
     * The options as YAML and JSON must hold them: each key once. The occurrences of a key
     * gather where it first appears; that reorders options, which is harmless unless an
     * option they move across depends on order (file logic, or a placeholder that reads the
     * options as they stand at that point): then it is an error naming the line.
     */
    private static List<Group> groups(OptionModel options, List<ConfigError> errors) {
        List<OptionValue> all = options.values();
        java.util.Map<String, Group> byKey = new java.util.LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            OptionValue v = all.get(i);
            Group g = byKey.get(v.key());
            if (g == null) {
                byKey.put(v.key(), new Group(v.key(), new ArrayList<>(List.of(v))));
                continue;
            }
            int previous = all.lastIndexOf(g.values().get(g.values().size() - 1));
            for (int j = previous + 1; j < i; j++) {
                if (orderMatters(all.get(j)) || orderMatters(v)) {
                    errors.add(new ConfigError(v.origin(), "'" + v.key() + "' is repeated after '" + all.get(j).key()
                            + "', whose order matters (a block, an include, set, or a %(placeholder)); a list would move it:"
                            + " write ini or xml, or put the '" + v.key() + "' lines together"));
                    break;
                }
            }
            g.values().add(v);
        }
        return List.copyOf(byKey.values());
    }

    private static boolean orderMatters(OptionValue v) {
        return Engine.IMMEDIATE.contains(v.key()) || v.key().equals("inherit") || v.value().contains("%(");
    }

    private static String ini(OptionModel options, String section, List<ConfigError> errors) {
        StringBuilder sb = new StringBuilder("[").append(magic(section)).append("]\n");
        for (OptionValue v : options.values()) {
            String k = v.key();
            String val = v.value();
            if (k.indexOf('=') >= 0 || k.indexOf('\n') >= 0 || !k.equals(IniParser.strip(k, 0, k.length()))
                    || (!k.isEmpty() && (k.charAt(0) == '[' || k.charAt(0) == ';' || k.charAt(0) == '#'))) {
                errors.add(new ConfigError(v.origin(), "option name '" + k + "' cannot be written in ini"));
            } else if (val.indexOf('\n') >= 0 || !val.equals(IniParser.strip(val, 0, val.length()))) {
                errors.add(new ConfigError(v.origin(), "'" + k + "': ini cannot hold a value with a newline or with "
                        + "blanks at either end (uWSGI trims them); use yaml, json or xml"));
            } else if (k.isEmpty() && val.isEmpty()) {
                errors.add(new ConfigError(v.origin(), "an option with neither name nor value cannot be written in ini"));
            } else {
                sb.append(k).append(" = ").append(val).append('\n');
            }
        }
        return sb.toString();
    }

    private static String yaml(List<Group> groups, String section) {
        if (groups.isEmpty()) {
            return yamlScalar(magic(section)) + ": {}\n";
        }
        StringBuilder sb = new StringBuilder(yamlScalar(magic(section))).append(":\n");
        for (Group g : groups) {
            sb.append("  ").append(yamlScalar(g.key())).append(':');
            if (g.values().size() == 1) {
                sb.append(' ').append(yamlScalar(g.values().get(0).value())).append('\n');
            } else {
                sb.append('\n');
                for (OptionValue v : g.values()) sb.append("    - ").append(yamlScalar(v.value())).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * A scalar plain where YAML (and our reader) reads it back unchanged, else double-quoted:
     * plain needs a harmless first character, no ": " or " #", no blank at either end, no
     * control character, and not a word the reader takes as null.
     */
    static String yamlScalar(String s) {
        return plainYaml(s) ? s : quote(s, true);
    }

    private static boolean plainYaml(String s) {
        if (s.isEmpty() || s.equals("~") || s.equalsIgnoreCase("null")) return false;
        char first = s.charAt(0);
        if (!(Character.isLetterOrDigit(first) || "_./$(+=^".indexOf(first) >= 0)) return false;
        char last = s.charAt(s.length() - 1);
        if (last == ' ' || last == ':') return false;
        if (s.contains(": ") || s.contains(" #")) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0xFEFF || c == '\t') return false;
            if (Character.isSurrogate(c) || Character.isSpaceChar(c) && c != ' ') return false;
        }
        return true;
    }

    private static String json(List<Group> groups, String section) {
        StringBuilder sb = new StringBuilder("{\n  ").append(quote(magic(section), false)).append(": {");
        String sep = "\n";
        for (Group g : groups) {
            sb.append(sep).append("    ").append(quote(g.key(), false)).append(": ");
            if (g.values().size() == 1) {
                sb.append(quote(g.values().get(0).value(), false));
            } else {
                sb.append('[');
                String comma = "";
                for (OptionValue v : g.values()) {
                    sb.append(comma).append(quote(v.value(), false));
                    comma = ", ";
                }
                sb.append(']');
            }
            sep = ",\n";
        }
        return sb.append(groups.isEmpty() ? "}\n}\n" : "\n  }\n}\n").toString();
    }

    /** A double-quoted YAML or JSON string: both read these escapes. */
    private static String quote(String s, boolean yaml) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || (yaml && (c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0xFEFF))) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String xml(OptionModel options, String section, List<ConfigError> errors) {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<").append(section).append(">\n");
        if (!xmlName(section)) {
            errors.add(new ConfigError(Origin.of(java.nio.file.Path.of(section)), "section '" + section + "' is not an XML element name"));
        }
        for (OptionValue v : options.values()) {
            String k = v.key();
            String val = v.value();
            if (!xmlName(k)) {
                errors.add(new ConfigError(v.origin(), "option name '" + k + "' is not an XML element name"));
                continue;
            }
            if (k.equals("app") && !val.isEmpty()) {
                errors.add(new ConfigError(v.origin(), "'app' with a value cannot be written in XML (uWSGI reads <app> as a mount)"));
                continue;
            }
            String bad = null;
            for (int i = 0; i < val.length(); i++) {
                char c = val.charAt(i);
                if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF) bad = String.format("U+%04X", (int) c);
            }
            if (bad != null) {
                errors.add(new ConfigError(v.origin(), "'" + k + "': XML cannot hold the character " + bad));
                continue;
            }
            if (k.equals("app")) {
                sb.append("  <app/>\n"); // uWSGI's XML reader: an empty <app> is app = ""
                continue;
            }
            sb.append("  <").append(k).append('>');
            if (val.isEmpty()) {
                sb.append("<!---->"); // an empty element would mean "1"; an empty comment as first child reads as ""
            } else {
                sb.append(escapeXml(val));
            }
            sb.append("</").append(k).append(">\n");
        }
        return sb.append("</").append(section).append(">\n").toString();
    }

    private static String escapeXml(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '\r' -> sb.append("&#13;"); // a raw CR would read back as LF
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** An XML 1.0 name without a colon (namespaces would change what the reader sees). */
    static boolean xmlName(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean start = Character.isLetter(c) || c == '_';
            boolean ok = start || (i > 0 && (Character.isDigit(c) || c == '-' || c == '.'));
            if (!ok) return false;
        }
        return true;
    }
}
