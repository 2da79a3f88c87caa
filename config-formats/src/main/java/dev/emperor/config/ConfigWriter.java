package dev.emperor.config;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code emperor config convert}: writes options in any of the four formats so that reading
 * the result gives the same options back. Values are written as they are: every {@code %} is
 * doubled (uWSGI replaces {@code %X} in the raw text before anything else), so give it the
 * options of {@link ConfigLoader#loadUnexpanded} to keep the placeholders, includes and
 * blocks of the original, which then expand as they did. What a format cannot carry is
 * refused with the option's origin: in ini, a value with a newline or with leading or
 * trailing blanks (uWSGI trims them) and keys with {@code =}; in XML, keys that are not
 * element names and a non-empty {@code app} (uWSGI's XML reader makes it a mount).
 */
public final class ConfigWriter {

    private ConfigWriter() {
    }

    /** The text of a file holding {@code options} in {@code section} ({@code [uwsgi]}, {@code vassal}: ...). */
    public static String write(OptionModel options, ConfigFormat format, String section) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        String text = switch (format) {
            case INI -> ini(options, section, errors);
            case YAML -> yaml(options, section);
            case JSON -> json(options, section);
            case XML -> xml(options, section, errors);
        };
        if (!errors.isEmpty()) throw new ConfigException(errors);
        return text;
    }

    private static String magic(String s) {
        return s.replace("%", "%%");
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
                sb.append(magic(k)).append(" = ").append(magic(val)).append('\n');
            }
        }
        return sb.toString();
    }

    private static String yaml(OptionModel options, String section) {
        StringBuilder sb = new StringBuilder(quote(magic(section), true)).append(":\n");
        if (options.isEmpty()) {
            return quote(magic(section), true) + ": {}\n";
        }
        for (OptionValue v : options.values()) {
            sb.append("  ").append(quote(magic(v.key()), true)).append(": ").append(quote(magic(v.value()), true)).append('\n');
        }
        return sb.toString();
    }

    private static String json(OptionModel options, String section) {
        StringBuilder sb = new StringBuilder("{\n  ").append(quote(magic(section), false)).append(": {");
        String sep = "\n";
        for (OptionValue v : options.values()) {
            sb.append(sep).append("    ").append(quote(magic(v.key()), false)).append(": ").append(quote(magic(v.value()), false));
            sep = ",\n";
        }
        return sb.append(options.isEmpty() ? "}\n}\n" : "\n  }\n}\n").toString();
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
            sb.append("  <").append(magic(k)).append('>');
            if (val.isEmpty()) {
                sb.append("<!---->"); // an empty element would mean "1"; an empty comment as first child reads as ""
            } else {
                sb.append(magic(escapeXml(val)));
            }
            sb.append("</").append(magic(k)).append(">\n");
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
