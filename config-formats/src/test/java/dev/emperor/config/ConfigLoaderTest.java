package dev.emperor.config;

import static dev.emperor.config.Files4Test.load;
import static dev.emperor.config.Files4Test.pairs;
import static dev.emperor.config.Files4Test.refuse;
import static dev.emperor.config.Files4Test.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every format shares: choosing the format and the section, and the error contract. */
class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void choosesTheFormatByExtension() {
        assertThat(ConfigFormat.of(Path.of("a.ini"))).contains(ConfigFormat.INI);
        assertThat(ConfigFormat.of(Path.of("a.yaml"))).contains(ConfigFormat.YAML);
        assertThat(ConfigFormat.of(Path.of("a.yml"))).contains(ConfigFormat.YAML);
        assertThat(ConfigFormat.of(Path.of("a.json"))).contains(ConfigFormat.JSON);
        assertThat(ConfigFormat.of(Path.of("a.js"))).contains(ConfigFormat.JSON); // uWSGI accepts .js too
        assertThat(ConfigFormat.of(Path.of("/x/A.XML"))).contains(ConfigFormat.XML);
        assertThat(ConfigFormat.of(Path.of("a.conf"))).isEmpty();
        assertThat(ConfigFormat.of(Path.of("ini"))).isEmpty();
        assertThat(ConfigFormat.of(Path.of("a.ini.swp"))).isEmpty();
        assertThat(ConfigFormat.INI.displayName()).isEqualTo("ini");
        assertThat(ConfigFormat.YAML.displayName()).isEqualTo("yaml");
        assertThat(ConfigFormat.JSON.displayName()).isEqualTo("json");
        assertThat(ConfigFormat.XML.displayName()).isEqualTo("xml");
    }

    @Test
    void anUnknownExtensionIsRefusedWithoutReadingTheFile() {
        Path file = dir.resolve("app.conf"); // does not even exist
        ConfigException e = refuse(file);
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin()).isEqualTo(Origin.of(file));
            assertThat(err.message()).contains("unknown file type").contains(".ini");
        });
    }

    @Test
    void sameOptionsFromEveryFormat() throws Exception {
        var ini = load(dir, "a.ini", "[vassal]\ncommand = run me\nenv = A=1\nenv = B=2\n");
        var yaml = load(dir, "a.yaml", "vassal:\n  command: run me\n  env:\n    - A=1\n    - B=2\n");
        var json = load(dir, "a.json", "{\"vassal\": {\"command\": \"run me\", \"env\": [\"A=1\", \"B=2\"]}}");
        var xml = load(dir, "a.xml", "<vassal><command>run me</command><env>A=1</env><env>B=2</env></vassal>");
        List<String> expected = List.of("command=run me", "env=A=1", "env=B=2");
        assertThat(pairs(ini)).isEqualTo(expected);
        assertThat(pairs(yaml)).isEqualTo(expected);
        assertThat(pairs(json)).isEqualTo(expected);
        assertThat(pairs(xml)).isEqualTo(expected);
        assertThat(List.of(ini, yaml, json, xml)).extracting(ConfigLoader.LoadedConfig::section).containsOnly("vassal");
        assertThat(List.of(ini, yaml, json, xml)).extracting(ConfigLoader.LoadedConfig::format)
                .containsExactly(ConfigFormat.INI, ConfigFormat.YAML, ConfigFormat.JSON, ConfigFormat.XML);
    }

    @Test
    void theMissingSectionMessageNamesTheSectionInEachFormatsTerms() {
        assertThat(refuse(dir, "a.ini", "[x]\n").getMessage()).contains("no [vassal] section");
        assertThat(refuse(dir, "a.yaml", "x: 1\n").getMessage()).contains("no 'vassal' section");
        assertThat(refuse(dir, "a.json", "{\"x\": {}}").getMessage()).contains("no 'vassal' section");
    }

    @Test
    void withOneWantedSectionTheMessageDoesNotMentionUwsgi() {
        Path file = write(dir, "e.ini", "[x]\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file, List.of("emperor")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no [emperor] section")
                .hasMessageNotContaining("uwsgi");
    }

    @Test
    void theEnvironmentMapIsCopied() throws Exception {
        var env = new java.util.HashMap<String, String>();
        env.put("V", "before");
        ConfigLoader loader = new ConfigLoader(env);
        env.put("V", "after");
        var config = loader.loadVassal(write(dir, "a.ini", "[vassal]\nx = $(V)\n"));
        assertThat(pairs(config)).containsExactly("x=before");
    }

    @Test
    void withSystemEnvironmentExpandsRealVariables() throws Exception {
        String path = System.getenv("PATH");
        var config = ConfigLoader.withSystemEnvironment().loadVassal(write(dir, "a.ini", "[vassal]\nx = $(PATH)\n"));
        assertThat(pairs(config)).containsExactly("x=" + (path == null ? "$(PATH)" : path));
    }

    @Test
    void aFileThatOnlyHasUwsgiIsAUwsgiFileInEveryFormat() throws Exception {
        assertThat(load(dir, "u.ini", "[uwsgi]\nhttp = :1\n").section()).isEqualTo("uwsgi");
        assertThat(load(dir, "u.yaml", "uwsgi:\n  http: :1\n").section()).isEqualTo("uwsgi");
        assertThat(load(dir, "u.json", "{\"uwsgi\": {\"http\": \":1\"}}").section()).isEqualTo("uwsgi");
        assertThat(load(dir, "u.xml", "<uwsgi><http>:1</http></uwsgi>").section()).isEqualTo("uwsgi");
    }

    @Test
    void whenVassalComesFirstItWins() throws Exception {
        assertThat(pairs(load(dir, "b.ini", "[vassal]\ncommand = x\n[uwsgi]\nhttp = :8080\n")))
                .containsExactly("command=x");
        assertThat(pairs(load(dir, "b.yaml", "vassal:\n  command: x\nuwsgi:\n  http: :8080\n")))
                .containsExactly("command=x");
    }

    @Test
    void vassalIsPreferredOverUwsgiWhateverTheOrderInTheFile() throws Exception {
        var ini = load(dir, "both.ini", "[uwsgi]\nhttp = :8080\n[vassal]\ncommand = x\n");
        assertThat(ini.section()).isEqualTo("vassal");
        assertThat(pairs(ini)).containsExactly("command=x");
        var yaml = load(dir, "both.yaml", "uwsgi:\n  http: :8080\nvassal:\n  command: x\n");
        assertThat(yaml.section()).isEqualTo("vassal");
        assertThat(pairs(yaml)).containsExactly("command=x");
    }

    @Test
    void aMissingFileIsAConfigException() {
        Path file = dir.resolve("gone.yaml");
        ConfigException e = refuse(file);
        assertThat(e.getMessage()).isEqualTo(file + ": file not found");
    }

    @Test
    void aDirectoryIsAConfigException() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("folder.ini"));
        ConfigException e = refuse(folder);
        assertThat(e.getMessage()).contains("cannot read");
    }

    @Test
    void configExceptionCarriesAllErrorsAndPrintsThemOnePerLine() {
        Path f = Path.of("/etc/app.ini");
        var e = new ConfigException(List.of(new ConfigError(new Origin(f, 3), "first"), new ConfigError(Origin.of(f), "second")));
        assertThat(e.getMessage()).isEqualTo("/etc/app.ini:3: first\n/etc/app.ini: second");
        assertThat(e.errors()).hasSize(2);
        assertThatThrownBy(() -> e.errors().add(new ConfigError(Origin.of(f), "x")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(new ConfigException(new Origin(f, 9), "only").errors()).singleElement()
                .hasToString("/etc/app.ini:9: only");
        assertThatThrownBy(() -> new ConfigException(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void originPrintsFileColonLineOrJustTheFile() {
        Path f = Path.of("/srv/vassals/app.ini");
        assertThat(new Origin(f, 12)).hasToString("/srv/vassals/app.ini:12");
        assertThat(new Origin(f, 1)).hasToString("/srv/vassals/app.ini:1");
        assertThat(Origin.of(f)).hasToString("/srv/vassals/app.ini");
        assertThat(Origin.of(f).line()).isZero();
        assertThatThrownBy(() -> new Origin(f, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Origin(null, 1)).isInstanceOf(NullPointerException.class);
        assertThat(new ConfigError(new Origin(f, 2), "bad")).hasToString("/srv/vassals/app.ini:2: bad");
    }

    @Test
    void optionModelKeepsOrderAndAnswersQueries() {
        Path f = Path.of("/x.ini");
        var a1 = new OptionValue("a", "1", new Origin(f, 1));
        var b = new OptionValue("b", "2", new Origin(f, 2));
        var a2 = new OptionValue("a", "3", new Origin(f, 3));
        OptionModel model = new OptionModel(List.of(a1, b, a2));
        assertThat(model.values()).containsExactly(a1, b, a2);
        assertThat(model.keys()).containsExactly("a", "b");
        assertThat(model.all("a")).containsExactly(a1, a2);
        assertThat(model.all("zzz")).isEmpty();
        assertThat(model.last("a")).contains(a2);
        assertThat(model.last("zzz")).isEmpty();
        assertThat(model.isEmpty()).isFalse();
        assertThat(new OptionModel(List.of()).isEmpty()).isTrue();
        assertThat(model.show()).isEqualTo("a = 1\nb = 2\na = 3\n");
        assertThat(model).isEqualTo(new OptionModel(List.of(a1, b, a2))).hasSameHashCodeAs(new OptionModel(List.of(a1, b, a2)));
        assertThat(model).isNotEqualTo(new OptionModel(List.of(a2, b, a1)));
        assertThatThrownBy(() -> model.values().add(b)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(a1.withValue("9")).isEqualTo(new OptionValue("a", "9", new Origin(f, 1)));
        assertThatThrownBy(() -> new OptionValue("a", null, new Origin(f, 1))).isInstanceOf(NullPointerException.class);
    }

    @Test
    void optionModelIsACopy() {
        var list = new java.util.ArrayList<OptionValue>();
        list.add(new OptionValue("a", "1", Origin.of(Path.of("/x"))));
        OptionModel model = new OptionModel(list);
        list.clear();
        assertThat(model.values()).hasSize(1);
    }
}
