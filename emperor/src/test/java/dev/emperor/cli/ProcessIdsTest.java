package dev.emperor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emperor.vassal.process.Posix;
import org.junit.jupiter.api.Test;

/** The client's uid from /proc/self/status, without JNA, is the kernel's effective uid. */
class ProcessIdsTest {

    @Test
    void theEffectiveUidIsTheSecondFieldOfTheUidLine() {
        String status = "Name:\tjava\nUmask:\t0022\nPid:\t7\nUid:\t1000\t1001\t1002\t1003\nGid:\t5\t5\t5\t5\n";
        assertThat(ProcessIds.effectiveUid(status)).isEqualTo(1001L);
        assertThat(ProcessIds.effectiveUid("Uid:\t4294967294\t4294967294\t0\t0\n")).isEqualTo(4294967294L);
    }

    @Test
    void aStatusWithoutAReadableUidLineGivesNothing() {
        assertThat(ProcessIds.effectiveUid("Name:\tjava\n")).isNull();
        assertThat(ProcessIds.effectiveUid("Uid:\t1000\n")).isNull();
        assertThat(ProcessIds.effectiveUid("Uid:\t1000\t-1\t0\t0\n")).isNull();
    }

    @Test
    void itMatchesWhatTheKernelSaysThroughJna() {
        assertThat(ProcessIds.effectiveUid()).isEqualTo(Integer.toUnsignedLong(Posix.effectiveUid()));
    }
}
