package dev.emperor.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void aNewlineCannotStartAForgedLogLine() {
        String forged = "done\n2026-12-02T10:00:00.000Z ERROR vassal db: worker 1 (pid 1) was killed";
        assertThat(LogText.escape(forged)).doesNotContain("\n")
                .isEqualTo("done\\n2026-12-02T10:00:00.000Z ERROR vassal db: worker 1 (pid 1) was killed");
    }

    @Test
    void controlCharactersAndUnicodeLineBreaksBecomeVisibleEscapes() {
        assertThat(LogText.escape("a\rb\tc\u001b[2Jd\u0085e\u2028f\u007f")).isEqualTo("a\\rb\\tc\\x1b[2Jd\\x85e\\u2028f\\x7f");
    }

    @Test
    void ordinaryTextIsLeftAlone() {
        String s = "vassal web: worker 1 says: queue 90% full (üñí)";
        assertThat(LogText.escape(s)).isSameAs(s);
    }
}
