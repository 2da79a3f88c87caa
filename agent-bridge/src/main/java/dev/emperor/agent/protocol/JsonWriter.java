package dev.emperor.agent.protocol;

import java.util.Arrays;

/** Writes one JSON object as UTF-8 bytes into a growing array. Strings are escaped per RFC 8259. */
final class JsonWriter {

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private byte[] buf;
    private int len;
    private boolean first;

    JsonWriter(int capacity) {
        buf = new byte[capacity];
    }

    JsonWriter begin() {
        len = 0;
        first = true;
        put('{');
        return this;
    }

    /** Closes the object and the line. */
    byte[] endLine() {
        put('}');
        put('\n');
        return Arrays.copyOf(buf, len);
    }

    JsonWriter field(String name, String value) {
        key(name);
        string(value);
        return this;
    }

    JsonWriter field(String name, long value) {
        key(name);
        number(value);
        return this;
    }

    JsonWriter key(String name) {
        if (!first) put(',');
        first = false;
        string(name);
        put(':');
        return this;
    }

    /** Starts a nested object as the value of the key just written. */
    JsonWriter beginObject() {
        put('{');
        first = true;
        return this;
    }

    /** Starts an array as the value of the key just written; its elements are objects ({@link #beginObject}). */
    JsonWriter beginArray() {
        put('[');
        first = true;
        return this;
    }

    /** Before each element of an array: the comma between elements. */
    JsonWriter element() {
        if (!first) put(',');
        return this;
    }

    JsonWriter endArray() {
        put(']');
        first = false;
        return this;
    }

    JsonWriter endObject() {
        put('}');
        first = false;
        return this;
    }

    void number(long value) {
        if (value == Long.MIN_VALUE) {
            ascii("-9223372036854775808");
            return;
        }
        ensure(20);
        if (value < 0) {
            buf[len++] = '-';
            value = -value;
        }
        int start = len;
        do {
            buf[len++] = (byte) ('0' + (int) (value % 10));
            value /= 10;
        } while (value != 0);
        for (int i = start, j = len - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
    }

    /** A finite double; Double.toString's forms ("1.0E-5") are all valid JSON numbers. */
    void number(double value) {
        if (!Double.isFinite(value)) throw new IllegalArgumentException("JSON has no NaN or infinity");
        ascii(Double.toString(value));
    }

    void string(String s) {
        ensure(s.length() + 2);
        buf[len++] = '"';
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                if (len == buf.length) grow(1);
                buf[len++] = (byte) c;
            } else {
                i = special(s, i, c);
            }
        }
        put('"');
    }

    /** Escapes or UTF-8-encodes s[i]; returns the index of the last char consumed. */
    private int special(String s, int i, char c) {
        ensure(6);
        switch (c) {
            case '"': buf[len++] = '\\'; buf[len++] = '"'; return i;
            case '\\': buf[len++] = '\\'; buf[len++] = '\\'; return i;
            case '\n': buf[len++] = '\\'; buf[len++] = 'n'; return i;
            case '\r': buf[len++] = '\\'; buf[len++] = 'r'; return i;
            case '\t': buf[len++] = '\\'; buf[len++] = 't'; return i;
            default:
        }
        if (c < 0x20) {
            buf[len++] = '\\';
            buf[len++] = 'u';
            buf[len++] = '0';
            buf[len++] = '0';
            buf[len++] = HEX[c >> 4];
            buf[len++] = HEX[c & 0xF];
            return i;
        }
        int cp = c;
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            cp = Character.toCodePoint(c, s.charAt(++i));
        } else if (Character.isSurrogate(c)) {
            cp = 0xFFFD; // a lone surrogate has no UTF-8 form: send the replacement character
        }
        if (cp < 0x800) {
            buf[len++] = (byte) (0xC0 | (cp >> 6));
            buf[len++] = (byte) (0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            buf[len++] = (byte) (0xE0 | (cp >> 12));
            buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            buf[len++] = (byte) (0x80 | (cp & 0x3F));
        } else {
            buf[len++] = (byte) (0xF0 | (cp >> 18));
            buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
            buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            buf[len++] = (byte) (0x80 | (cp & 0x3F));
        }
        return i;
    }

    private void ascii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) buf[len++] = (byte) s.charAt(i);
    }

    private void put(char c) {
        if (len == buf.length) grow(1);
        buf[len++] = (byte) c;
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) grow(extra);
    }

    private void grow(int extra) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }
}
