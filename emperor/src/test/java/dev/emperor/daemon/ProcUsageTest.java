package dev.emperor.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A worker's memory and CPU from one read of /proc/PID/stat. */
class ProcUsageTest {

    @Test
    void parsesStatWhateverTheCommandIsCalled() {
        String stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 12345 1000000 300"
                + " 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";
        ProcUsage u = ProcUsage.parse(stat, 4096, 100);
        assertThat(u.rssBytes()).isEqualTo(300 * 4096L);
        assertThat(u.cpuSeconds()).isEqualTo(3.0);
        assertThat(ProcUsage.parse("garbage", 4096, 100)).isNull();
        assertThat(ProcUsage.parse("1 (x) S 1 2", 4096, 100)).isNull();
    }

    @Test
    void readsALiveProcessAndNotAGoneOne() {
        ProcUsage self = ProcUsage.read(ProcessHandle.current().pid());
        assertThat(self.rssBytes()).isGreaterThan(10L << 20);
        assertThat(self.cpuSeconds()).isPositive();
        assertThat(ProcUsage.read(Integer.MAX_VALUE)).isNull();
        assertThat(ProcUsage.read(0)).isNull();
    }
}
