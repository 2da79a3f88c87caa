package dev.emperor.vassal;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a {@code command} value into words the way a POSIX shell does, without running a
 * shell: blanks separate words; single quotes keep everything literally; double quotes keep
 * blanks and honour backslash before {@code " \ $ `}; a backslash outside quotes escapes the
 * next character. No expansion of any kind happens ({@code shell = true} is for that).
 *
 * <p>Commons Exec's {@code CommandLine.parse} was tried and rejected: its {@code toStrings()}
 * wraps any argument containing a blank in literal double quotes, so
 * {@code python3 -c 'print(1 + 1)'} reached Python as {@code "print(1 + 1)"}.
 */
public final class CommandWords {

    private CommandWords() {
    }

    /** The words of {@code line}; throws {@link IllegalArgumentException} on an unclosed quote. */
    public static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
            } else if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) throw new IllegalArgumentException("unclosed single quote at column " + (i + 1));
                word.append(line, i + 1, end);
                inWord = true;
                i = end + 1;
            } else if (c == '"') {
                int j = i + 1;
                while (true) {
                    if (j >= n) throw new IllegalArgumentException("unclosed double quote at column " + (i + 1));
                    char d = line.charAt(j);
                    if (d == '"') break;
                    if (d == '\\' && j + 1 < n && line.charAt(j + 1) == '\n') {
                        j += 2; // a line continuation, as in sh
                    } else if (d == '\\' && j + 1 < n && "\"\\$`".indexOf(line.charAt(j + 1)) >= 0) {
                        word.append(line.charAt(j + 1));
                        j += 2;
                    } else {
                        word.append(d);
                        j++;
                    }
                }
                inWord = true;
                i = j + 1;
            } else if (c == '\\') {
                if (i + 1 < n && line.charAt(i + 1) == '\n') {
                    i += 2; // a line continuation joins the lines, as in sh
                    continue;
                }
                if (i + 1 < n) word.append(line.charAt(i + 1));
                inWord = true;
                i += 2;
            } else {
                word.append(c);
                inWord = true;
                i++;
            }
        }
        if (inWord) words.add(word.toString());
        return words;
    }
}
