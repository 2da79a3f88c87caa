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

class YamlFormatTest {

    @TempDir
    Path dir;

    @Test
    void scalarsAreValuesWithTheLineOfTheirKey() throws Exception {
        var config = load(dir, "app.yaml", """
                # a comment
                vassal:
                  command: python3 -m http.server
                  processes: 2
                  master: yes
                  quoted: "a: b # not a comment"
                  single: 'it''s'
                  empty:
                  number: 0.5
                  block: |
                    line1
                    line2
                  folded: >
                    one
                    two
                """);
        assertThat(config.format()).isEqualTo(ConfigFormat.YAML);
        assertThat(config.section()).isEqualTo("vassal");
        assertThat(pairs(config)).containsExactly(
                "command=python3 -m http.server", "processes=2", "master=yes", "quoted=a: b # not a comment",
                "single=it's", "empty=", "number=0.5", "block=line1\nline2\n", "folded=one two\n");
        assertThat(lines(config)).containsExactly(3, 4, 5, 6, 7, 8, 9, 10, 13);
    }

    @Test
    void aListRepeatsTheKeyWithEachItemsOwnLine() throws Exception {
        var config = load(dir, "app.yaml", """
                vassal:
                  command: x
                  env:
                    - A=1
                    - B=2
                  touch-reload: [a.txt, b.txt]
                  env: C=3
                """);
        assertThat(pairs(config)).containsExactly(
                "command=x", "env=A=1", "env=B=2", "touch-reload=a.txt", "touch-reload=b.txt", "env=C=3");
        assertThat(lines(config)).containsExactly(2, 4, 5, 6, 6, 7);
    }

    @Test
    void anEmptyListAddsNothing() throws Exception {
        assertThat(pairs(load(dir, "app.yaml", "vassal:\n  env: []\n  command: x\n"))).containsExactly("command=x");
    }

    @Test
    void theYmlExtensionWorksAndUwsgiIsTheFallback() throws Exception {
        var config = load(dir, "app.yml", "uwsgi:\n  http-socket: :8080\n  workers: 4\n");
        assertThat(config.section()).isEqualTo("uwsgi");
        assertThat(pairs(config)).containsExactly("http-socket=:8080", "workers=4");
    }

    @Test
    void otherTopLevelKeysAreIgnored() throws Exception {
        var config = load(dir, "app.yaml", """
                metadata:
                  owner: {team: web, nested: [1, 2, {deep: true}]}
                vassal:
                  command: x
                notes: anything
                """);
        assertThat(pairs(config)).containsExactly("command=x");
    }

    @Test
    void anEmptyVassalKeyIsAnEmptySection() throws Exception {
        var config = load(dir, "app.yaml", "vassal:\n");
        assertThat(config.section()).isEqualTo("vassal");
        assertThat(config.options().isEmpty()).isTrue();
    }

    @Test
    void repeatedKeysAreKeptInOrder() throws Exception {
        var config = load(dir, "app.yaml", "vassal:\n  env: A=1\n  command: x\n  env: B=2\n");
        assertThat(pairs(config)).containsExactly("env=A=1", "command=x", "env=B=2");
    }

    @Test
    void scalarAliasesResolve() throws Exception {
        var config = load(dir, "app.yaml", "base: &base /srv/app\nvassal:\n  chdir: *base\n  command: x\n");
        assertThat(pairs(config)).containsExactly("chdir=/srv/app", "command=x");
    }

    @Test
    void aNestedMappingIsFlattenedIntoOptionsLikeUwsgi() throws Exception {
        // uWSGI's libyaml reader takes the keys of a nested mapping as options of the section
        var config = load(dir, "app.yaml", "vassal:\n  command: x\n  env:\n    A: 1\n    B: 2\n  last: z\n");
        assertThat(pairs(config)).containsExactly("command=x", "A=1", "B=2", "last=z");
        assertThat(lines(config)).containsExactly(2, 4, 5, 6);
    }

    @Test
    void aMappingInsideAListIsAnErrorWithItsLine() {
        Path file = write(dir, "app.yaml", "vassal:\n  env:\n    - A=1\n    - {B: 2}\n");
        ConfigException e = refuse(file);
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin()).isEqualTo(new Origin(file, 4));
            assertThat(err.message()).contains("list items must be plain values");
        });
    }

    @Test
    void everyStructuralErrorIsReportedAtOnce() {
        Path file = write(dir, "app.yaml", "vassal:\n  a: {x: 1}\n  b: [[1]]\n  ? [k]\n  : v\n");
        // a non-scalar key is refused by the YAML engine itself before the walk
        ConfigException e = refuse(file);
        assertThat(e.getMessage()).isNotBlank();
        Path file2 = write(dir, "app2.yaml", "vassal:\n  a: [[1]]\n  b: [{x: 1}]\n  c: ok\n");
        assertThat(refuse(file2).errors()).extracting(err -> err.origin().line()).containsExactly(2, 3);
    }

    @Test
    void anEmptyOptionNameIsKeptAsUwsgiKeepsIt() throws Exception {
        // uWSGI keeps it as an option named ""; `config check` reports it (ConfigCheckerTest)
        var config = load(dir, "app.yaml", "vassal:\n  command: x\n  \"\": y\n");
        assertThat(pairs(config)).containsExactly("command=x", "=y");
    }

    @Test
    void aComplexKeyIsAnError() {
        Path file = write(dir, "app.yaml", "vassal:\n  command: x\n  ? [a, b]\n  : y\n");
        assertThat(refuse(file).getMessage()).contains("syntax error").contains("scalar key");
    }

    @Test
    void theVassalKeyMustHoldAMapping() {
        Path file = write(dir, "app.yaml", "other: 1\nvassal: just a string\n");
        assertThat(refuse(file).errors()).singleElement()
                .satisfies(err -> assertThat(err.origin()).isEqualTo(new Origin(file, 2)))
                .satisfies(err -> assertThat(err.message()).contains("must hold a mapping"));
        assertThat(refuse(dir, "list.yaml", "vassal:\n  - command\n").getMessage()).contains("must hold a mapping");
    }

    @Test
    void theTopLevelMustBeAMapping() {
        assertThat(refuse(dir, "a.yaml", "- vassal\n- command\n").getMessage()).contains("expected a mapping");
        assertThat(refuse(dir, "b.yaml", "just text\n").getMessage()).contains("expected a mapping");
    }

    @Test
    void anEmptyOrCommentOnlyFileHasNoSection() {
        assertThat(refuse(dir, "a.yaml", "").getMessage()).contains("no 'vassal' section");
        assertThat(refuse(dir, "b.yaml", "# nothing\n").getMessage()).contains("no 'vassal' section");
    }

    @Test
    void aSyntaxErrorNamesItsLine() {
        Path file = write(dir, "app.yaml", "vassal:\n  command: x\n  processes: a: b\n");
        ConfigException e = refuse(file);
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin()).isEqualTo(new Origin(file, 3));
            assertThat(err.message()).startsWith("syntax error: ");
            assertThat(err.message()).doesNotContain("\n");
        });
    }

    @Test
    void anUnclosedFlowListIsASyntaxErrorWithALine() {
        Path file = write(dir, "app.yaml", "vassal:\n  command: x\n  env: [A=1,\n");
        ConfigException e = refuse(file);
        assertThat(e.errors().get(0).origin().line()).isBetween(3, 4);
        assertThat(e.getMessage()).contains("syntax error");
    }

    @Test
    void tabIndentationIsASyntaxError() {
        ConfigException e = refuse(dir, "app.yaml", "vassal:\n\tcommand: x\n");
        assertThat(e.getMessage()).contains("syntax error");
        assertThat(e.errors().get(0).origin().line()).isEqualTo(2);
    }

    @Test
    void severalDocumentsAreRefused() {
        assertThat(refuse(dir, "app.yaml", "vassal:\n  command: x\n---\nvassal:\n  command: y\n").getMessage())
                .contains("syntax error");
    }

    @Test
    void aDepthBombOfOpenBracketsIsRefusedQuicklyAsAConfigException() {
        Path file = write(dir, "bomb.yaml", "[".repeat(100_000));
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refuse(file));
        assertThat(e.getMessage()).contains("nesting deeper than " + TreeParser.MAX_DEPTH);
        assertThat(e.errors().get(0).origin().line()).isEqualTo(1);
    }

    @Test
    void aDepthBombOfBlockSequencesIsRefusedQuickly() {
        Path file = write(dir, "bomb.yaml", "vassal:\n  command: " + "- ".repeat(100_000) + "x\n");
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refuse(file));
        assertThat(e).isInstanceOf(ConfigException.class);
    }

    @Test
    void aDepthBombOfNestedMappingsIsRefusedQuickly() {
        Path file = write(dir, "bomb.yaml", "{a: ".repeat(100_000));
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refuse(file));
        assertThat(e.getMessage()).contains("nesting deeper");
    }

    @Test
    void nestingUpToTheLimitInIgnoredKeysIsFine() throws Exception {
        String deep = "[".repeat(TreeParser.MAX_DEPTH - 1) + "]".repeat(TreeParser.MAX_DEPTH - 1);
        var config = load(dir, "ok.yaml", "other: " + deep + "\nvassal:\n  command: x\n");
        assertThat(pairs(config)).containsExactly("command=x");
        String tooDeep = "[".repeat(TreeParser.MAX_DEPTH) + "]".repeat(TreeParser.MAX_DEPTH);
        assertThat(refuse(dir, "deep.yaml", "other: " + tooDeep + "\nvassal:\n  command: x\n").getMessage())
                .contains("nesting deeper");
    }

    @Test
    void theBillionLaughsAliasBombIsRefusedQuickly() {
        String bomb = """
                a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
                b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
                c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
                d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
                e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
                f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
                g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
                h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
                i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
                vassal:
                  command: x
                  env: *i
                """;
        Path file = write(dir, "laughs.yaml", bomb);
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refuse(file));
        assertThat(e.getMessage()).containsIgnoringCase("alias");
    }

    @Test
    void aListAliasCannotMultiplyTheFile() {
        StringBuilder sb = new StringBuilder("l: &l [");
        sb.append("a,".repeat(50_000)).append("a]\nvassal:\n");
        for (int i = 0; i < TreeParser.MAX_ALIASES; i++) {
            sb.append("  env: *l\n");
        }
        Path file = write(dir, "amplify.yaml", sb.toString());
        long bytes = sb.length();
        // Either refused, or no more options than the file has bytes (~1M options are made today from ~100 KB).
        try {
            var config = load(file);
            assertThat((long) config.options().values().size()).isLessThanOrEqualTo(bytes);
        } catch (ConfigException expected) {
            assertThat(expected.errors()).isNotEmpty();
        }
    }

    @Test
    void aSyntaxErrorUwsgisTokenReaderWouldSkipIsRefused() {
        // libyaml's scanner alone (what uWSGI uses) reads this as a = 1, a = "2 b", a = 3
        assertThat(refuse(dir, "app.yaml", "vassal:\n  a: [1, 2\n  b: 3\n").getMessage()).contains("syntax error");
    }

    @Test
    void yamlNullsAreNoValue() throws Exception {
        var config = load(dir, "app.yaml", "vassal:\n  a: ~\n  b: null\n  c:\n  d: \"~\"\n  e: [~, x]\n");
        assertThat(pairs(config)).containsExactly("a=", "b=", "c=", "d=~", "e=", "e=x");
    }

    @Test
    void aFewListAliasesAreStillFine() throws Exception {
        var config = load(dir, "app.yaml", "common: &env [A=1, B=2]\nvassal:\n  command: x\n  env: *env\n");
        assertThat(pairs(config)).containsExactly("command=x", "env=A=1", "env=B=2");
    }

    @Test
    void aRecursiveAliasDoesNotHang() {
        Path file = write(dir, "app.yaml", "vassal: &v\n  command: x\n  self: *v\n");
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refuse(file));
        assertThat(e.getMessage()).contains("self");
    }

    @Test
    void aJavaClassTagConstructsNothingAndFetchesNothing() throws Exception {
        try (var canary = new LocalHttpCanary()) {
            String payload = "!!javax.script.ScriptEngineManager [!!java.net.URLClassLoader "
                    + "[[!!java.net.URL [\"" + canary.url("/exploit/") + "\"]]]]";
            // as the whole section, as an option, and as a list item
            assertThat(refuse(dir, "a.yaml", "vassal: " + payload + "\n").getMessage()).contains("must hold a mapping");
            assertThat(refuse(dir, "b.yaml", "vassal:\n  command: " + payload + "\n").getMessage())
                    .contains("list items must be plain values");
            assertThat(refuse(dir, "c.yaml", "vassal:\n  env:\n    - " + payload + "\n").getMessage())
                    .contains("list items must be plain values");
            assertThat(canary.requests()).isEmpty();
        }
    }

    @Test
    void aTagOnAScalarOrMappingIsIgnoredAndTheClassIsNeverTouched() throws Exception {
        int before = YamlCanary.Counter.TOUCHED.get();
        var config = load(dir, "app.yaml", """
                vassal: !!dev.emperor.config.YamlCanary
                  command: !!dev.emperor.config.YamlCanary run me
                  env: !!javax.script.ScriptEngineManager A=1
                  other: !<tag:yaml.org,2002:java.lang.ProcessBuilder> [touch, /tmp/pwned]
                """);
        assertThat(pairs(config)).containsExactly("command=run me", "env=A=1", "other=touch", "other=/tmp/pwned");
        assertThat(YamlCanary.Counter.TOUCHED.get()).isEqualTo(before);
    }

    @Test
    void directivesAndCustomTagsAreHarmless() throws Exception {
        // a directive's % must be written %% (uWSGI substitutes magic variables in the raw text first)
        var config = load(dir, "app.yaml", "%%YAML 1.2\n%%TAG !e! tag:example.com,2000:\n---\nvassal:\n  command: !e!foo x\n");
        assertThat(pairs(config)).containsExactly("command=x");
        assertThat(refuse(dir, "raw.yaml", "%YAML 1.2\n---\nvassal:\n  command: x\n").getMessage()).contains("syntax error");
    }

    @Test
    void escapedControlCharactersArriveAsTheyAre() throws Exception {
        var config = load(dir, "app.yaml", "vassal:\n  command: \"a\\tb\\u00e9\"\n");
        assertThat(pairs(config)).containsExactly("command=a\tb\u00e9");
    }
}
