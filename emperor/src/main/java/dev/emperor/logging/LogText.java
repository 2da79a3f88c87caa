package dev.emperor.logging;

/**
 * Makes untrusted text safe for one log line. A line break, a carriage return or an escape
 * sequence in text that came from an agent or a file must not forge a log line nor move the
 * terminal's cursor: every control character becomes a visible escape ({@code \n},
 * {@code \r}, {@code \t}, {@code \x1b}, {@code \u2028}).
 */
public final class LogText {

    private LogText() {
    }

    /** {@code text} with control characters and Unicode line breaks escaped; null stays "null". */
    public static String escape(String text) {
        if (text == null) return "null";
        int i = 0;
        int n = text.length();
        while (i < n && !needsEscape(text.charAt(i))) i++;
        if (i == n) return text; // the common case: nothing to do, no copy
        StringBuilder sb = new StringBuilder(n + 16).append(text, 0, i);
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (!needsEscape(c)) {
                sb.append(c);
                continue;
            }
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x100) sb.append(String.format("\\x%02x", (int) c));
                    else sb.append(String.format("\\u%04x", (int) c));
                }
            }
        }
        return sb.toString();
    }

    /** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
    static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}
