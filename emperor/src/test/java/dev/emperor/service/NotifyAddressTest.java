package dev.emperor.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NotifyAddressTest {

    @Test
    void pathAndAbstractAddressesAsSystemdWritesThem() {
        NotifyAddress path = NotifyAddress.parse("/run/systemd/notify").orElseThrow();
        assertThat(path.isAbstract()).isFalse();
        byte[] sa = path.sockaddr();
        assertThat(sa).hasSize(2 + "/run/systemd/notify".length() + 1);
        assertThat(sa[0]).isEqualTo((byte) 1);
        assertThat(sa[sa.length - 1]).isZero();

        NotifyAddress abs = NotifyAddress.parse("@emperor/notify").orElseThrow();
        assertThat(abs.isAbstract()).isTrue();
        assertThat(abs.toString()).isEqualTo("@emperor/notify");
        byte[] asa = abs.sockaddr();
        assertThat(asa).hasSize(2 + 1 + "emperor/notify".length()); // leading NUL, no terminator
        assertThat(asa[2]).isZero();
        assertThat(asa[3]).isEqualTo((byte) 'e');
    }

    @Test
    void unusableValuesAreRefusedWithTheValue() {
        assertThat(NotifyAddress.parse(null)).isEmpty();
        assertThat(NotifyAddress.parse("")).isEmpty();
        assertThatThrownBy(() -> NotifyAddress.parse("vsock:2:1234")).hasMessageContaining("vsock:2:1234");
        assertThatThrownBy(() -> NotifyAddress.parse("/" + "x".repeat(107))).hasMessageContaining("107 bytes");
        assertThatThrownBy(() -> NotifyAddress.parse("@")).hasMessageContaining("empty");
    }
}
