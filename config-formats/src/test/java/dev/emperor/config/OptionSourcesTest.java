package dev.emperor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionSourcesTest {

    @Test
    void emperorVariablesBecomeOptionsNamingTheirVariable() {
        OptionModel m = OptionSources.fromEnvironment(Map.of(
                "EMPEROR_THROTTLE", "500", "EMPEROR_MAX_THROTTLE", "9000", "EMPEROR_RUN_DIR", "/run/e",
                "EMPEROR_SOCKET", "/run/x.sock", "EMPEROR_WORKER", "2", "EMPEROR_LAZY_APPS", "true",
                "EMPEROR_NOPE", "1", "HOME", "/root"));
        assertThat(m.show()).isEqualTo("max-throttle = 9000\nrun-dir = /run/e\nthrottle = 500\n");
        assertThat(m.last("throttle").orElseThrow().origin().toString()).isEqualTo("env:EMPEROR_THROTTLE");
    }

    @Test
    void argumentsInBothFormsFlagsAndPositionals() throws Exception {
        var parsed = OptionSources.fromArguments(List.of("--throttle", "500", "--stats=127.0.0.1:9191", "/srv/vassals",
                "--verbose", "--vassal-set", "lazy-apps=true", "--agent", "false", "--", "--not-an-option"));
        assertThat(parsed.options().show()).isEqualTo("throttle = 500\nstats = 127.0.0.1:9191\nverbose = true\n"
                + "vassal-set = lazy-apps=true\nagent = false\n");
        assertThat(parsed.positional()).containsExactly("/srv/vassals", "--not-an-option");
        assertThat(parsed.options().values().get(1).origin().toString()).isEqualTo("argv:3");
    }

    @Test
    void anOptionWithoutItsValueIsAnError() {
        assertThatThrownBy(() -> OptionSources.fromArguments(List.of("--stats", "/x", "--throttle")))
                .isInstanceOf(ConfigException.class).hasMessage("argv:3: --throttle needs a value");
    }

    @Test
    void theCommandLineWinsOverTheEnvironmentWhichWinsOverTheFile() throws Exception {
        OptionModel file = OptionSources.fromArguments(List.of("--throttle=1", "--emperor=/a")).options();
        OptionModel env = OptionSources.fromEnvironment(Map.of("EMPEROR_THROTTLE", "2", "EMPEROR_EMPEROR", "/b"));
        OptionModel argv = OptionSources.fromArguments(List.of("--throttle=3")).options();
        OptionModel all = OptionSources.merge(file, env, argv);
        assertThat(all.last("throttle").orElseThrow().value()).isEqualTo("3");
        assertThat(all.all("emperor")).extracting(OptionValue::value).containsExactly("/a", "/b");
    }
}
