package dev.emperor.agent.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * A strict pull parser over one line of bytes (RFC 8259 JSON, UTF-8), built for hostile input:
 * it validates UTF-8 itself, bounds nesting depth and number length, and reports every problem
 * as a {@link ProtocolException}. It allocates only the values it returns. Not thread-safe:
 * one per connection.
 */
final class JsonReader {

    /** Deepest allowed nesting of objects and arrays; the message object is depth 1. */
    static final int MAX_DEPTH = 8;
    /** Longest number token: more digits than a double can use means a hostile peer. */
    static final int MAX_NUMBER_CHARS = 64;

    // Object keys repeat on every line of a connection (telemetry names especially): a small
    // direct-mapped cache returns the same String without allocating. Bounded, so a peer
    // sending ever-new keys costs nothing but misses.
    private static final int CACHE_SLOTS = 128;
    private static final int CACHE_MAX_KEY = 48;
    private final String[] cacheStrings = new String[CACHE_SLOTS];
    private final byte[][] cacheBytes = new byte[CACHE_SLOTS][];

    private byte[] b;
    private int pos;
    private int end;
    private int base;
    private int depth;
    private StringBuilder scratch = new StringBuilder(64);

    // The last number read (readNumber sets them; no boxing).
    boolean numberIsInteger;
    long longValue;
    double doubleValue;

    void reset(byte[] bytes, int offset, int length) {
        this.b = bytes;
        this.pos = offset;
        this.base = offset;
        this.end = offset + length;
        this.depth = 0;
    }

    ProtocolException error(String what) {
        return new ProtocolException("invalid JSON at byte " + (pos - base) + ": " + what);
    }

    void skipWhitespace() {
        while (pos < end) {
            byte c = b[pos];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') pos++;
            else return;
        }
    }

    /** The next significant byte, not consumed; -1 at the end of the line. */
    int peek() {
        skipWhitespace();
        return pos < end ? b[pos] : -1;
    }

    /** After the top-level value: only whitespace may follow. */
    void expectEnd() throws ProtocolException {
        skipWhitespace();
        if (pos != end) throw error("unexpected " + describe(b[pos]) + " after the object");
    }

    // ---- objects and arrays ------------------------------------------------------------

    /** Consumes '{'; returns true when the object has a first field (positioned at its key). */
    boolean beginObject() throws ProtocolException {
        if (peek() != '{') throw error("expected an object");
        enter();
        pos++;
        if (peek() == '}') {
            pos++;
            depth--;
            return false;
        }
        return true;
    }

    /** After a field's value: true if another field follows, false when '}' closed the object. */
    boolean nextField() throws ProtocolException {
        int c = peek();
        if (c == ',') {
            pos++;
            if (peek() != '"') throw error("expected a field name after ','");
            return true;
        }
        if (c == '}') {
            pos++;
            depth--;
            return false;
        }
        throw error(c < 0 ? "unterminated object" : "expected ',' or '}' but found " + describe((byte) c));
    }

    /** Consumes '['; returns true when the array has a first element (positioned at it). */
    boolean beginArray() throws ProtocolException {
        if (peek() != '[') throw error("expected an array");
        enter();
        pos++;
        if (peek() == ']') {
            pos++;
            depth--;
            return false;
        }
        return true;
    }

    /** After an element: true if another follows, false when ']' closed the array. */
    boolean nextElement() throws ProtocolException {
        int c = peek();
        if (c == ',') {
            pos++;
            return true;
        }
        if (c == ']') {
            pos++;
            depth--;
            return false;
        }
        throw error(c < 0 ? "unterminated array" : "expected ',' or ']'");
    }

    /** Reads a field name and the ':' after it. */
    String readKey() throws ProtocolException {
        if (peek() != '"') throw error("expected a field name");
        String key = readStringAt(true);
        if (peek() != ':') throw error("expected ':' after a field name");
        pos++;
        return key;
    }

    private void enter() throws ProtocolException {
        if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
    }

    // ---- scalars ---------------------------------------------------------------------------

    boolean atString() {
        return peek() == '"';
    }

    boolean atNumber() {
        int c = peek();
        return c == '-' || (c >= '0' && c <= '9');
    }

    String readString() throws ProtocolException {
        if (peek() != '"') throw error("expected a string");
        return readStringAt(false);
    }

    /** Reads a number into {@link #longValue} or {@link #doubleValue} (see {@link #numberIsInteger}). */
    void readNumber() throws ProtocolException {
        skipWhitespace();
        final int start = pos;
        boolean negative = false;
        if (pos < end && b[pos] == '-') {
            negative = true;
            pos++;
        }
        if (pos >= end) throw error("incomplete number");
        byte c = b[pos];
        // Accumulate negatively so Long.MIN_VALUE fits; overflow is noted, not thrown yet,
        // because a fraction or exponent may still make this a double.
        long acc = 0;
        boolean overflow = false;
        if (c == '0') {
            pos++;
            if (pos < end && isDigit(b[pos])) throw error("leading zero in a number");
        } else if (c >= '1' && c <= '9') {
            while (pos < end && isDigit(c = b[pos])) {
                int d = c - '0';
                if (acc < (Long.MIN_VALUE + d) / 10) overflow = true;
                else acc = acc * 10 - d;
                pos++;
                if (pos - start > MAX_NUMBER_CHARS) throw error("number longer than " + MAX_NUMBER_CHARS + " characters");
            }
        } else {
            throw error("invalid number");
        }
        boolean integer = true;
        if (pos < end && b[pos] == '.') {
            integer = false;
            pos++;
            digits();
        }
        if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
            integer = false;
            pos++;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) pos++;
            digits();
        }
        if (pos - start > MAX_NUMBER_CHARS) throw error("number longer than " + MAX_NUMBER_CHARS + " characters");
        numberIsInteger = integer;
        if (integer) {
            if (overflow || (!negative && acc == Long.MIN_VALUE)) throw error("integer out of the signed 64-bit range");
            longValue = negative ? acc : -acc;
        } else {
            double d = Double.parseDouble(new String(b, start, pos - start, StandardCharsets.ISO_8859_1));
            if (Double.isInfinite(d)) throw error("number out of range");
            doubleValue = d;
        }
    }

    private void digits() throws ProtocolException {
        int first = pos;
        while (pos < end && isDigit(b[pos])) {
            pos++;
            if (pos - first > MAX_NUMBER_CHARS) throw error("number longer than " + MAX_NUMBER_CHARS + " characters");
        }
        if (pos == first) throw error("incomplete number");
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** Skips any value, checking it as strictly as the rest (depth, UTF-8, duplicate keys). */
    void skipValue() throws ProtocolException {
        int c = peek();
        switch (c) {
            case '{': {
                Set<String> keys = null;
                for (boolean more = beginObject(); more; more = nextField()) {
                    String key = readKey();
                    if (keys == null) keys = new HashSet<>();
                    if (!keys.add(key)) throw error("duplicate field \"" + clip(key) + "\"");
                    skipValue();
                }
                return;
            }
            case '[': {
                enter();
                pos++;
                if (peek() == ']') {
                    pos++;
                    depth--;
                    return;
                }
                while (true) {
                    skipValue();
                    int d = peek();
                    pos++;
                    if (d == ']') {
                        depth--;
                        return;
                    }
                    if (d != ',') {
                        pos--;
                        throw error(d < 0 ? "unterminated array" : "expected ',' or ']'");
                    }
                }
            }
            case '"':
                readStringAt(false);
                return;
            case 't':
                literal("true");
                return;
            case 'f':
                literal("false");
                return;
            case 'n':
                literal("null");
                return;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    readNumber();
                    return;
                }
                throw error(c < 0 ? "expected a value" : "unexpected " + describe((byte) c));
        }
    }

    private void literal(String word) throws ProtocolException {
        int n = word.length();
        if (end - pos < n) throw error("invalid literal");
        for (int i = 0; i < n; i++) {
            if (b[pos + i] != word.charAt(i)) throw error("invalid literal");
        }
        pos += n;
    }

    // ---- strings ---------------------------------------------------------------------------

    /** At the opening quote: reads the string; {@code cache} for field names. */
    private String readStringAt(boolean cache) throws ProtocolException {
        pos++;
        final int start = pos;
        int hash = 0;
        // Fast path: printable ASCII without escapes, which is nearly every string we see.
        while (pos < end) {
            byte c = b[pos];
            if (c == '"') {
                int len = pos - start;
                pos++;
                return cache && len <= CACHE_MAX_KEY ? cached(start, len, hash) : new String(b, start, len, StandardCharsets.ISO_8859_1);
            }
            if (c == '\\' || c < 0x20) break; // c < 0x20 also catches every non-ASCII byte (negative)
            hash = 31 * hash + c;
            pos++;
        }
        if (pos >= end) throw error("unterminated string");
        return slowString(start);
    }

    private String cached(int start, int len, int hash) {
        int slot = (hash ^ (hash >>> 7) ^ (hash >>> 14)) & (CACHE_SLOTS - 1);
        byte[] known = cacheBytes[slot];
        if (known != null && known.length == len && Arrays.equals(b, start, start + len, known, 0, len)) {
            return cacheStrings[slot];
        }
        String s = new String(b, start, len, StandardCharsets.ISO_8859_1);
        cacheBytes[slot] = Arrays.copyOfRange(b, start, start + len);
        cacheStrings[slot] = s;
        return s;
    }

    /** Escapes, control characters and UTF-8: decoded and validated byte by byte. */
    private String slowString(int start) throws ProtocolException {
        StringBuilder sb = scratch;
        sb.setLength(0);
        for (int i = start; i < pos; i++) sb.append((char) b[i]);
        while (true) {
            if (pos >= end) throw error("unterminated string");
            int c = b[pos];
            if (c == '"') {
                pos++;
                String s = sb.toString();
                if (sb.capacity() > 4096) scratch = new StringBuilder(64); // do not keep a 64 KiB builder per connection
                return s;
            }
            if (c == '\\') {
                escape(sb);
            } else if (c >= 0x20) {
                sb.append((char) c);
                pos++;
            } else if (c >= 0) {
                throw error("control character in a string");
            } else {
                utf8(sb, c & 0xFF);
            }
        }
    }

    private void escape(StringBuilder sb) throws ProtocolException {
        pos++;
        if (pos >= end) throw error("unterminated string");
        byte e = b[pos++];
        switch (e) {
            case '"': sb.append('"'); return;
            case '\\': sb.append('\\'); return;
            case '/': sb.append('/'); return;
            case 'b': sb.append('\b'); return;
            case 'f': sb.append('\f'); return;
            case 'n': sb.append('\n'); return;
            case 'r': sb.append('\r'); return;
            case 't': sb.append('\t'); return;
            case 'u': {
                char ch = hex4();
                if (Character.isHighSurrogate(ch)) {
                    if (end - pos < 6 || b[pos] != '\\' || b[pos + 1] != 'u') throw error("unpaired surrogate in a \\u escape");
                    pos += 2;
                    char low = hex4();
                    if (!Character.isLowSurrogate(low)) throw error("unpaired surrogate in a \\u escape");
                    sb.append(ch).append(low);
                } else if (Character.isLowSurrogate(ch)) {
                    throw error("unpaired surrogate in a \\u escape");
                } else {
                    sb.append(ch);
                }
                return;
            }
            default:
                pos--;
                throw error("invalid escape");
        }
    }

    private char hex4() throws ProtocolException {
        if (end - pos < 4) throw error("incomplete \\u escape");
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int c = b[pos++];
            int d;
            if (c >= '0' && c <= '9') d = c - '0';
            else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
            else throw error("invalid \\u escape");
            v = (v << 4) | d;
        }
        return (char) v;
    }

    /** One UTF-8 sequence starting with lead byte {@code lead} (>= 0x80), strictly (RFC 3629). */
    private void utf8(StringBuilder sb, int lead) throws ProtocolException {
        int need;
        int min; // smallest second byte, excludes overlong forms and surrogates
        int max;
        int cp;
        if (lead >= 0xC2 && lead <= 0xDF) {
            need = 1; min = 0x80; max = 0xBF; cp = lead & 0x1F;
        } else if (lead == 0xE0) {
            need = 2; min = 0xA0; max = 0xBF; cp = lead & 0x0F;
        } else if (lead >= 0xE1 && lead <= 0xEC || lead == 0xEE || lead == 0xEF) {
            need = 2; min = 0x80; max = 0xBF; cp = lead & 0x0F;
        } else if (lead == 0xED) {
            need = 2; min = 0x80; max = 0x9F; cp = lead & 0x0F;
        } else if (lead == 0xF0) {
            need = 3; min = 0x90; max = 0xBF; cp = lead & 0x07;
        } else if (lead >= 0xF1 && lead <= 0xF3) {
            need = 3; min = 0x80; max = 0xBF; cp = lead & 0x07;
        } else if (lead == 0xF4) {
            need = 3; min = 0x80; max = 0x8F; cp = lead & 0x07;
        } else {
            throw error("invalid UTF-8");
        }
        if (end - pos <= need) throw error("invalid UTF-8");
        pos++;
        for (int i = 0; i < need; i++) {
            int c = b[pos] & 0xFF;
            int lo = i == 0 ? min : 0x80;
            int hi = i == 0 ? max : 0xBF;
            if (c < lo || c > hi) throw error("invalid UTF-8");
            cp = (cp << 6) | (c & 0x3F);
            pos++;
        }
        sb.appendCodePoint(cp);
    }

    private static String describe(byte c) {
        if (c >= 0x21 && c < 0x7F) return "'" + (char) c + "'";
        return String.format("byte 0x%02x", c & 0xFF);
    }

    /** A key, shortened for an error message (never echo much of a hostile peer's input). */
    static String clip(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < 40; i++) {
            char ch = s.charAt(i);
            out.append(ch >= 0x20 && ch < 0x7F && ch != '"' && ch != '\\' ? ch : '?');
        }
        if (s.length() > 40) out.append("...");
        return out.toString();
    }
}
