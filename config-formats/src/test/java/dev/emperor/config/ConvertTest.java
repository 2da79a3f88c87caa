package dev.emperor.config;

import static dev.emperor.config.Files4Test.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser.Feature;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** {@code config convert} as a user judges it: what they wrote is kept, and other readers read the result. */
class ConvertTest {

    @TempDir
    Path dir;

    private OptionModel unexpanded(Path file) throws ConfigException {
        return new ConfigLoader(Map.of()).loadUnexpanded(file, null, ConfigLoader.VASSAL_SECTIONS).options();
    }

    @Test
    void repeatedKeysBecomeListsThatStrictReadersAccept() throws Exception {
        Path file = write(dir, "app.ini", "[vassal]\ncommand = run\nenv = A=1\nenv = B=2\nprocesses = 2\nenv = C=3\n");
        String json = ConfigWriter.writeSource(unexpanded(file), ConfigFormat.JSON, "vassal");
        String yaml = ConfigWriter.writeSource(unexpanded(file), ConfigFormat.YAML, "vassal");

        // a JSON reader that refuses duplicate keys reads it all
        try (var p = new JsonFactory().enable(Feature.STRICT_DUPLICATE_DETECTION).createParser(json)) {
            while (p.nextToken() != null) {
                // reads every token; a duplicate key throws
            }
        }
        assertThat(json).contains("\"env\": [\"A=1\", \"B=2\", \"C=3\"]");
        Object doc = new Load(LoadSettings.builder().setAllowDuplicateKeys(false).build()).loadFromString(yaml);
        assertThat(doc).isEqualTo(Map.of("vassal", Map.of("command", "run", "env", List.of("A=1", "B=2", "C=3"),
                "processes", 2)));
        // and ours reads both as the same vassal
        for (String text : List.of(json, yaml)) {
            String name = text == json ? "back.json" : "back.yaml";
            assertThat(new ConfigLoader(Map.of()).loadVassal(write(dir, name, text)).options().all("env"))
                    .extracting(OptionValue::value).containsExactly("A=1", "B=2", "C=3");
        }
    }

    @Test
    void yamlIsQuotedOnlyWhereAPlainScalarWouldReadDifferently() {
        assertThat(ConfigWriter.yamlScalar("java -jar app.jar --port 8080")).isEqualTo("java -jar app.jar --port 8080");
        assertThat(ConfigWriter.yamlScalar("127.0.0.1:9191")).isEqualTo("127.0.0.1:9191");
        assertThat(ConfigWriter.yamlScalar("A=1")).isEqualTo("A=1");
        assertThat(ConfigWriter.yamlScalar("/srv/app")).isEqualTo("/srv/app");
        assertThat(ConfigWriter.yamlScalar("")).isEqualTo("\"\"");
        assertThat(ConfigWriter.yamlScalar("~")).isEqualTo("\"~\"");
        assertThat(ConfigWriter.yamlScalar("null")).isEqualTo("\"null\"");
        assertThat(ConfigWriter.yamlScalar("%d/app")).isEqualTo("\"%d/app\"");
        assertThat(ConfigWriter.yamlScalar("-Xmx1g")).isEqualTo("\"-Xmx1g\"");
        assertThat(ConfigWriter.yamlScalar("a: b")).isEqualTo("\"a: b\"");
        assertThat(ConfigWriter.yamlScalar("x #y")).isEqualTo("\"x #y\"");
        assertThat(ConfigWriter.yamlScalar("say \"hi\"")).isEqualTo("say \"hi\"");
        assertThat(ConfigWriter.yamlScalar("[list]")).isEqualTo("\"[list]\"");
    }

    @Test
    void magicVariablesAndPlaceholdersAreWrittenAsTheUserWroteThem() throws Exception {
        Path file = write(dir, "app.ini", "[vassal]\nchdir = %d../app\ncommand = run --name %n --cpus %k --port %(port)\n"
                + "port = 8080\nenv = PCT=50%%\n");
        String yaml = ConfigWriter.writeSource(unexpanded(file), ConfigFormat.YAML, "vassal");
        assertThat(yaml).isEqualTo("vassal:\n  chdir: \"%d../app\"\n  command: run --name %n --cpus %k --port %(port)\n"
                + "  port: 8080\n  env: PCT=50%%\n");
        Path back = write(dir, "app.yaml", yaml);
        assertThat(new ConfigLoader(Map.of()).loadVassal(back).options().show())
                .isEqualTo(new ConfigLoader(Map.of()).loadVassal(file).options().show());
    }

    @Test
    void aKeyRepeatedAroundABlockCannotBeAListAndSaysWhy() throws Exception {
        Path file = write(dir, "app.ini", "[vassal]\ncommand = run\nenv = A=1\nfor = x y\nenv = X_%(_)=1\nendfor =\n");
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigWriter.writeSource(unexpanded(file), ConfigFormat.JSON, "vassal"));
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin().line()).isEqualTo(5);
            assertThat(err.message()).contains("'env' is repeated after 'for'").contains("write ini or xml");
        });
        // ini and XML keep the order: fine there
        assertThat(ConfigWriter.writeSource(unexpanded(file), ConfigFormat.XML, "vassal")).contains("<for>x y</for>");
    }
}
