package dev.emperor.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.emperor.vassal.VassalAlert.Kind;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnEventTest {

    @Test
    void withoutAFilterEveryEventRunsTheCommand() {
        OnEvent e = OnEvent.parse("/usr/local/bin/page --team 'on call'");
        assertThat(e.events()).isEqualTo(EnumSet.allOf(Kind.class));
        assertThat(e.argv()).containsExactly("/usr/local/bin/page", "--team", "on call");
    }

    @Test
    void aFilterNamesTheEventsBeforeTheFirstColon() {
        OnEvent e = OnEvent.parse("crash-loop, failed: sh -c 'env > /tmp/x'");
        assertThat(e.events()).containsExactlyInAnyOrder(Kind.CRASH_LOOP, Kind.FAILED);
        assertThat(e.argv()).containsExactly("sh", "-c", "env > /tmp/x");
        assertThat(e.matches(Kind.CRASH_LOOP)).isTrue();
        assertThat(e.matches(Kind.RECOVERED)).isFalse();
    }

    @Test
    void aColonInsideTheCommandIsNoFilter() {
        assertThat(OnEvent.parse("curl -d x http://alerts:9093/").argv())
                .containsExactly("curl", "-d", "x", "http://alerts:9093/");
        assertThat(OnEvent.parse("/bin/sh -c 'echo a: b'").events()).isEqualTo(EnumSet.allOf(Kind.class));
    }

    @Test
    void everyEventHasItsName() {
        assertThat(List.of(Kind.values())).extracting(Kind::label)
                .containsExactly("crash-loop", "failed", "hung-killed", "config-invalid", "recovered");
        assertThat(OnEvent.parse("hung-killed,config-invalid,recovered: true").events())
                .containsExactlyInAnyOrder(Kind.HUNG_KILLED, Kind.CONFIG_INVALID, Kind.RECOVERED);
    }

    @Test
    void anUnknownEventOrNoCommandIsAnError() {
        assertThatThrownBy(() -> OnEvent.parse("crash-lop: true")).hasMessageContaining("unknown event 'crash-lop'")
                .hasMessageContaining("known: crash-loop, failed");
        assertThatThrownBy(() -> OnEvent.parse("failed:   ")).hasMessageContaining("no command");
    }
}
