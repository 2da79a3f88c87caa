package dev.emperor.config;

import static dev.emperor.config.Files4Test.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vassal-set and vassals-include: explicit, and defaults the vassal's own file overrides. */
class InheritanceTest {

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader(Map.of());

    @Test
    void includesAndSetsAreDefaultsTheVassalOverrides() throws Exception {
        write(dir, "common.ini", "[vassal]\nprocesses = 4\nuid = www\nenv = FROM=include\n");
        Path emperorFile = write(dir, "emperor.ini", "[emperor]\nvassals-include = common.ini\nvassal-set = lazy-apps=true\n"
                + "vassal-set = uid=nobody\nlazy-apps = false\n");
        Path vassalFile = write(dir, "vassals/app.ini", "[vassal]\ncommand = run\nuid = app\nenv = OWN=1\n");
        OptionModel emperor = loader.loadEmperor(emperorFile).options();
        var effective = Inheritance.apply(emperor, loader.loadVassal(vassalFile), loader);
        assertThat(effective.value("processes")).contains("4");   // from the include
        assertThat(effective.value("lazy-apps")).contains("true"); // from vassal-set, not the emperor's own lazy-apps
        assertThat(effective.value("uid")).contains("app");        // the vassal's own file wins over both
        assertThat(effective.options().all("env")).extracting(OptionValue::value).containsExactly("FROM=include", "OWN=1");
        assertThat(effective.options().last("lazy-apps").orElseThrow().origin()).isEqualTo(new Origin(emperorFile, 3));
        assertThat(effective.file()).isEqualTo(vassalFile);
        assertThat(effective.section()).isEqualTo("vassal");
    }

    @Test
    void nothingElseCrossesOver() throws Exception {
        OptionModel emperor = loader.loadEmperor(write(dir, "e.ini", "[emperor]\nlazy-apps = true\nprocesses = 8\n")).options();
        var vassal = loader.loadVassal(write(dir, "v.ini", "[vassal]\ncommand = run\n"));
        assertThat(Inheritance.apply(emperor, vassal, loader)).isSameAs(vassal);
    }

    @Test
    void argvAndEnvironmentSettingsWorkToo() throws Exception {
        write(dir, "t.yaml", "vassal:\n  master: false\n");
        OptionModel emperor = OptionSources.merge(
                OptionSources.fromEnvironment(Map.of("EMPEROR_VASSAL_SET", "heartbeat=5")),
                OptionSources.fromArguments(List.of("--vassals-include", dir.resolve("t.yaml").toString())).options());
        var effective = Inheritance.apply(emperor, loader.loadVassal(write(dir, "v.yaml", "vassal:\n  command: x\n")), loader);
        assertThat(effective.value("heartbeat")).contains("5");
        assertThat(effective.value("master")).contains("false");
    }

    @Test
    void aBrokenIncludeOrSetIsAConfigErrorNamingBothPlaces() throws Exception {
        Path emperorFile = write(dir, "e.ini", "[emperor]\nvassals-include = missing.ini\nvassal-set = nonsense\n");
        OptionModel emperor = loader.loadEmperor(emperorFile).options();
        var vassal = loader.loadVassal(write(dir, "v.ini", "[vassal]\ncommand = run\n"));
        assertThatThrownBy(() -> Inheritance.apply(emperor, vassal, loader))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("file not found (vassals-include at " + emperorFile + ":2)")
                .hasMessageContaining(emperorFile + ":3: vassal-set: expected KEY=VALUE");
    }
}
