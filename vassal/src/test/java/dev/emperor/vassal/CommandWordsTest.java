package dev.emperor.vassal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/** Expected results are what /bin/sh gives for the same words (checked with printf '[%s]' "$@"). */
class CommandWordsTest {

    @Test
    void blanksSeparateWords() {
        assertThat(CommandWords.split("python3 -m http.server 8080"))
                .containsExactly("python3", "-m", "http.server", "8080");
        assertThat(CommandWords.split("  a \t b\n\nc  ")).containsExactly("a", "b", "c");
    }

    @Test
    void nothingGivesNoWords() {
        assertThat(CommandWords.split("")).isEmpty();
        assertThat(CommandWords.split(" \t\n ")).isEmpty();
    }

    @Test
    void singleQuotesKeepEverythingLiterally() {
        assertThat(CommandWords.split("python3 -c 'print(1 + 1)'")).containsExactly("python3", "-c", "print(1 + 1)");
        assertThat(CommandWords.split("echo '$HOME \\n \"x\" `y`'")).containsExactly("echo", "$HOME \\n \"x\" `y`");
    }

    @Test
    void doubleQuotesKeepBlanksAndHonourFourEscapes() {
        assertThat(CommandWords.split("echo \"a  b\"")).containsExactly("echo", "a  b");
        assertThat(CommandWords.split("echo \"q\\\" b\\\\ d\\$ t\\`\"")).containsExactly("echo", "q\" b\\ d$ t`");
        // any other backslash stays, as in sh
        assertThat(CommandWords.split("echo \"a\\nb\\'c\"")).containsExactly("echo", "a\\nb\\'c");
        assertThat(CommandWords.split("echo \"it's\"")).containsExactly("echo", "it's");
    }

    @Test
    void aBackslashOutsideQuotesEscapesTheNextCharacter() {
        assertThat(CommandWords.split("echo a\\ b \\'q\\' \\\\ \\\"")).containsExactly("echo", "a b", "'q'", "\\", "\"");
        assertThat(CommandWords.split("a\\nb")).containsExactly("anb");
    }

    @Test
    void aTrailingBackslashIsDropped() {
        assertThat(CommandWords.split("echo a\\")).containsExactly("echo", "a");
    }

    @Test
    void quotedPartsJoinTheWordAroundThem() {
        assertThat(CommandWords.split("--name='my app'-1 x\"y z\"'w'")).containsExactly("--name=my app-1", "xy zw");
    }

    @Test
    void emptyQuotesAreEmptyWords() {
        assertThat(CommandWords.split("a '' \"\" b")).containsExactly("a", "", "", "b");
    }

    @Test
    void noExpansionOfAnyKind() {
        assertThat(CommandWords.split("echo $HOME ~ *.txt $(id) `id` a;b a|b a&&b > out"))
                .containsExactly("echo", "$HOME", "~", "*.txt", "$(id)", "`id`", "a;b", "a|b", "a&&b", ">", "out");
    }

    @Test
    void unicodeIsKept() {
        assertThat(CommandWords.split("echo caf\u00e9 '\u65e5\u672c \uD83D\uDE00'"))
                .containsExactly("echo", "caf\u00e9", "\u65e5\u672c \uD83D\uDE00");
    }

    @Test
    void anUnclosedSingleQuoteIsAnErrorWithItsColumn() {
        assertThatThrownBy(() -> CommandWords.split("echo 'abc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unclosed single quote")
                .hasMessageContaining("column 6");
    }

    @Test
    void anUnclosedDoubleQuoteIsAnErrorWithItsColumn() {
        assertThatThrownBy(() -> CommandWords.split("a \"abc\\\""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unclosed double quote")
                .hasMessageContaining("column 3");
        assertThatThrownBy(() -> CommandWords.split("\"")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void backslashNewlineOutsideQuotesContinuesTheLine() {
        assertThat(CommandWords.split("java -jar app.jar \\\n  --port 8080\n"))
                .containsExactly("java", "-jar", "app.jar", "--port", "8080");
        assertThat(CommandWords.split("ab\\\ncd")).containsExactly("abcd");
    }

    @Test
    void backslashNewlineInsideDoubleQuotesIsRemoved() {
        assertThat(CommandWords.split("echo \"a\\\nb\"")).containsExactly("echo", "ab");
    }
}
