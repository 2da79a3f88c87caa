package dev.emperor.config;

import static dev.emperor.config.Files4Test.lines;
import static dev.emperor.config.Files4Test.load;
import static dev.emperor.config.Files4Test.pairs;
import static dev.emperor.config.Files4Test.refuse;
import static dev.emperor.config.Files4Test.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonFormatTest {

    @TempDir
    Path dir;

    @Test
    void readsTheVassalObjectWithLines() throws Exception {
        var config = load(dir, "app.json", """
                {
                  "vassal": {
                    "command": "java -jar app.jar",
                    "processes": 2,
                    "master": false,
                    "reload-mercy": 2.5,
                    "env": ["A=1", "B=2"]
                  },
                  "comment": "ignored"
                }
                """);
        assertThat(config.format()).isEqualTo(ConfigFormat.JSON);
        assertThat(config.section()).isEqualTo("vassal");
        assertThat(pairs(config)).containsExactly(
                "command=java -jar app.jar", "processes=2", "master=0", "reload-mercy=2.5", "env=A=1", "env=B=2");
        assertThat(lines(config)).containsExactly(3, 4, 5, 6, 7, 7);
    }

    @Test
    void aOneLineFileHasEverythingOnLineOne() throws Exception {
        var config = load(dir, "app.json", "{\"vassal\": {\"command\": \"x\", \"env\": [\"A=1\"]}}");
        assertThat(pairs(config)).containsExactly("command=x", "env=A=1");
        assertThat(lines(config)).containsOnly(1);
    }

    @Test
    void tabIndentedJsonIsFine() throws Exception {
        var config = load(dir, "app.json", "{\n\t\"vassal\": {\n\t\t\"command\": \"x\",\n\t\t\"processes\": 2\n\t}\n}\n");
        assertThat(pairs(config)).containsExactly("command=x", "processes=2");
        assertThat(lines(config)).containsExactly(3, 4);
    }

    @Test
    void jsonEscapesAreDecoded() throws Exception {
        var config = load(dir, "app.json",
                "{\"vassal\": {\"command\": \"echo \\\"hi\\\" \\u00e9 \\ud83d\\ude00 a\\/b \\\\ \\t.\"}}");
        assertThat(pairs(config)).containsExactly("command=echo \"hi\" \u00e9 \uD83D\uDE00 a/b \\ \t.");
    }

    @Test
    void uwsgiIsTheFallbackKey() throws Exception {
        var config = load(dir, "app.json", "{\"uwsgi\": {\"http\": \":8080\", \"workers\": 4}}");
        assertThat(config.section()).isEqualTo("uwsgi");
        assertThat(pairs(config)).containsExactly("http=:8080", "workers=4");
    }

    @Test
    void theJsExtensionIsJsonLikeInUwsgi() throws Exception {
        var config = load(dir, "app.js", "{\"vassal\": {\"command\": \"x\"}}");
        assertThat(config.format()).isEqualTo(ConfigFormat.JSON);
    }

    @Test
    void nestedObjectsAndArraysInsideArraysAreIgnoredLikeUwsgi() throws Exception {
        var config = load(dir, "app.json", "{\"vassal\": {\"command\": \"x\", \"env\": {\"A\": \"1\"},"
                + " \"list\": [\"a\", [\"b\"], {\"c\": 1}, true, false, null, 1.50]}}");
        assertThat(pairs(config)).containsExactly("command=x", "list=a", "list=1", "list=0", "list=", "list=1.50");
    }

    @Test
    void theVassalValueMustBeAnObject() {
        assertThat(refuse(dir, "a.json", "{\"vassal\": [\"command\"]}").getMessage()).contains("must hold a mapping");
        assertThat(refuse(dir, "b.json", "[{\"vassal\": {}}]").getMessage()).contains("expected a mapping");
        assertThat(refuse(dir, "c.json", "\"vassal\"").getMessage()).contains("expected a mapping");
    }

    @Test
    void aMissingVassalKeyIsAnError() {
        Path file = write(dir, "app.json", "{\"emperor\": {\"stats\": \":9191\"}}");
        assertThat(refuse(file).errors()).singleElement()
                .satisfies(err -> assertThat(err.origin()).isEqualTo(new Origin(file, 1)));
    }

    @Test
    void aSyntaxErrorNamesItsLine() {
        Path file = write(dir, "app.json", "{\n  \"vassal\": {\n    \"command\": \"x\"\n    \"processes\": 2\n  }\n}\n");
        ConfigException e = refuse(file);
        assertThat(e.getMessage()).contains("syntax error");
        assertThat(e.errors().get(0).origin().line()).isEqualTo(4);
    }

    @Test
    void anUnterminatedDocumentIsASyntaxError() {
        Path file = write(dir, "app.json", "{\"vassal\": {\"command\": \"x\",\n");
        ConfigException e = refuse(file);
        assertThat(e.getMessage()).contains("syntax error");
        assertThat(e.errors().get(0).origin().line()).isPositive();
    }

    @Test
    void anUnterminatedStringIsASyntaxError() {
        assertThat(refuse(dir, "app.json", "{\"vassal\": {\"command\": \"x}}\n").getMessage()).contains("syntax error");
    }

    @Test
    void aDepthBombIsRefusedQuickly() {
        Path file = write(dir, "bomb.json", "{\"a\":".repeat(100_000));
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refuse(file));
        assertThat(e.getMessage()).contains("nesting deeper");
        Path arrays = write(dir, "arrays.json", "{\"vassal\": " + "[".repeat(200_000) + "]".repeat(200_000) + "}");
        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refuse(arrays)).getMessage())
                .contains("nesting deeper");
    }

    @Test
    void jsonNullIsNoValueNotTheStringNull() throws Exception {
        var config = load(dir, "app.json", "{\"vassal\": {\"command\": \"x\", \"logto\": null, \"chdir\": null}}");
        assertThat(config.options().last("logto")).map(OptionValue::value).hasValue("");
        assertThat(config.options().last("chdir")).map(OptionValue::value).hasValue("");
    }
}
