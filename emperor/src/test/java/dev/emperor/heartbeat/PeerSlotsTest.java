package dev.emperor.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class PeerSlotsTest {

    private static final long OWN = 0;
    private static final long TENANT = 1000;
    private static final long STRANGER = 1001;

    @Test
    void aUserThatRunsNoWorkerGetsAFewSlotsAndTheWorkersUidStillGetsIn() {
        PeerSlots slots = new PeerSlots((int) OWN);
        slots.trust(Set.of((int) TENANT));
        for (int i = 0; i < PeerSlots.UNTRUSTED_PER_UID; i++) assertThat(slots.admit(STRANGER)).isNull();

        assertThat(slots.admit(STRANGER)).contains("uid 1001 runs no worker");
        assertThat(slots.admit(TENANT)).isNull();
        assertThat(slots.admit(OWN)).isNull();
    }

    @Test
    void manyStrangersTogetherAreCappedWhileWorkersKeepTheReserve() {
        PeerSlots slots = new PeerSlots((int) OWN);
        int admitted = 0;
        for (long uid = 5000; uid < 5000 + 100; uid++) {
            for (int i = 0; i < PeerSlots.UNTRUSTED_PER_UID; i++) {
                if (slots.admit(uid) == null) admitted++;
            }
        }
        assertThat(admitted).isEqualTo(PeerSlots.UNTRUSTED_TOTAL);
        assertThat(slots.admit(OWN)).isNull();
    }

    @Test
    void anAcceptedConnectionNoLongerCountsAgainstItsUidAndClosingFreesTheSlot() {
        PeerSlots slots = new PeerSlots((int) OWN);
        for (int i = 0; i < PeerSlots.UNTRUSTED_PER_UID; i++) slots.admit(STRANGER);
        assertThat(slots.admit(STRANGER)).isNotNull();

        slots.closed(STRANGER, false, false);
        assertThat(slots.unaccepted(STRANGER)).isEqualTo(PeerSlots.UNTRUSTED_PER_UID - 1);
        assertThat(slots.admit(STRANGER)).isNull();

        slots.admit(OWN);
        slots.accepted(OWN, true);
        assertThat(slots.unaccepted(OWN)).isZero();
        assertThat(slots.total()).isEqualTo(PeerSlots.UNTRUSTED_PER_UID + 1);
        slots.closed(OWN, true, true);
        assertThat(slots.total()).isEqualTo(PeerSlots.UNTRUSTED_PER_UID);
    }

    @Test
    void theTrustedSetCanChangeWithoutUnbalancingTheCounts() {
        PeerSlots slots = new PeerSlots((int) OWN);
        assertThat(slots.admit(TENANT)).isNull(); // counted as untrusted
        slots.trust(Set.of((int) TENANT));
        slots.closed(TENANT, false, false); // released the way it was counted
        for (int i = 0; i < PeerSlots.UNTRUSTED_TOTAL; i++) {
            assertThat(slots.admit(20_000 + i / PeerSlots.UNTRUSTED_PER_UID)).isNull();
        }
        assertThat(slots.total()).isEqualTo(PeerSlots.UNTRUSTED_TOTAL);
    }
}
