package dev.emperor.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the operator reads about the descriptor limit at start. */
class NoFileLimitTest {

    @Test
    void aRaiseNamesBothFiguresAndWhatWorkersKeep() {
        assertThat(NoFileLimit.describe(1024, 524288, false)).isEqualTo("file descriptor limit raised from 1024 to"
                + " 524288 (the hard limit); each worker costs the emperor 2-3 descriptors; workers without"
                + " limit-nofile keep 1024");
    }

    @Test
    void whenTheJvmRaisedItFirstTheStartingLimitIsSaidToBeUnknown() {
        assertThat(NoFileLimit.describe(4096, 4096, true)).startsWith("file descriptor limit: 4096;")
                .contains("unknown").contains("-XX:-MaxFDLimit").doesNotContain("raised from");
    }

    @Test
    void aLimitAlreadyAtTheHardOneIsSaidSo() {
        assertThat(NoFileLimit.describe(4096, 4096, false)).startsWith("file descriptor limit: 4096 (already the hard"
                + " limit)");
    }
}
