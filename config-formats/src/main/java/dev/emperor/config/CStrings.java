package dev.emperor.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The C library's string functions as uWSGI's config logic uses them ({@code strtok},
 * {@code atoi}, {@code strtoll}, {@code fgets}), so that {@code for =}, {@code for-readline}
 * and {@code %(key)} arithmetic split and count exactly as uwsgi does.
 */
final class CStrings {

    private CStrings() {
    }

    /** strtok: the pieces between runs of {@code sep}, never empty. */
    static List<String> tokens(String s, char sep) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && s.charAt(i) == sep) i++;
            int start = i;
            while (i < n && s.charAt(i) != sep) i++;
            if (i > start) out.add(s.substring(start, i));
        }
        return out;
    }

    /** C's atoi (through strtoll): leading blanks, a sign, digits; anything else ends it. */
    static long atoi(String s) {
        return strtoll(s);
    }

    static long strtoll(String s) {
        int i = 0;
        int n = s.length();
        while (i < n && (s.charAt(i) == ' ' || (s.charAt(i) >= '\t' && s.charAt(i) <= '\r'))) i++;
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        long value = 0;
        boolean overflow = false;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            int d = s.charAt(i++) - '0';
            if (!overflow) {
                if (value > (Long.MAX_VALUE - d) / 10) {
                    overflow = true;
                } else {
                    value = value * 10 + d;
                }
            }
        }
        if (overflow) return negative ? Long.MIN_VALUE : Long.MAX_VALUE;
        return negative ? -value : value;
    }

    /**
     * {@code bytes} cut into lines as C's {@code fgets} with a buffer of {@code buffer} bytes
     * cuts them (a longer line comes in pieces), each without its line end ({@code \n}, {@code \r}).
     */
    static List<String> fgetsLines(byte[] bytes, int buffer) {
        int room = buffer - 1; // fgets keeps one byte for the NUL
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && end - start < room && bytes[end] != '\n') end++;
            if (end < bytes.length && bytes[end] == '\n' && end - start < room) end++;
            int stop = end;
            while (stop > start && (bytes[stop - 1] == '\n' || bytes[stop - 1] == '\r')) stop--;
            out.add(new String(bytes, start, stop - start, StandardCharsets.UTF_8));
            start = end;
        }
        return out;
    }
}
