package dev.emperor.config;

import static dev.emperor.config.Files4Test.load;
import static dev.emperor.config.Files4Test.pairs;
import static dev.emperor.config.Files4Test.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Magic variables, $(ENV) and %(key) placeholders, checked against uWSGI 2.0.21's own output. */
class ExpanderTest {

    @TempDir
    Path dir;

    private String value(ConfigLoader.LoadedConfig config, String key) {
        return config.options().last(key).orElseThrow().value();
    }

    @Test
    void magicVariablesDescribeTheFile() throws Exception {
        Path file = write(dir.resolve("site"), "app.ini", """
                [vassal]
                n = %n
                s = %s
                e = %e
                d = %d
                c = %c
                p = %p
                x = %x
                pct = 100%%
                all = %n|%e|%c|%x|%s
                """);
        var config = load(file);
        Path abs = file.toAbsolutePath().normalize();
        assertThat(value(config, "n")).isEqualTo("app");
        assertThat(value(config, "s")).isEqualTo("app.ini");
        assertThat(value(config, "e")).isEqualTo("ini");
        assertThat(value(config, "d")).isEqualTo(abs.getParent() + "/");
        assertThat(value(config, "c")).isEqualTo("site");
        assertThat(value(config, "p")).isEqualTo(abs.toString());
        assertThat(value(config, "x")).isEqualTo("vassal");
        assertThat(value(config, "pct")).isEqualTo("100%");
        assertThat(value(config, "all")).isEqualTo("app|ini|site|vassal|app.ini");
    }

    @Test
    void magicVariablesWorkInEveryFormat() throws Exception {
        Path sub = dir.resolve("apps");
        var yaml = load(write(sub, "web.yaml", "vassal:\n  log: \"%d%n.log\"\n  list: [\"%n-1\", \"%n-2\"]\n"));
        assertThat(pairs(yaml)).containsExactly("log=" + sub.toAbsolutePath() + "/web.log", "list=web-1", "list=web-2");
        var json = load(write(sub, "api.json", "{\"vassal\": {\"name\": \"%n.%e\"}}"));
        assertThat(pairs(json)).containsExactly("name=api.json");
        var xml = load(write(sub, "db.xml", "<vassal><name>%n in %c</name></vassal>"));
        assertThat(pairs(xml)).containsExactly("name=db in apps");
    }

    @Test
    void theSectionVariableNamesTheSectionThatWasRead() throws Exception {
        assertThat(value(load(dir, "u.ini", "[uwsgi]\nx = %x\n"), "x")).isEqualTo("uwsgi");
    }

    @Test
    void aNameWithSeveralDotsLosesOnlyTheLastExtension() throws Exception {
        var config = load(dir, "my.app.v2.yaml", "vassal:\n  n: '%n'\n  e: '%e'\n");
        assertThat(pairs(config)).containsExactly("n=my.app.v2", "e=yaml");
    }

    @Test
    void theLoaderUsesTheAbsoluteNormalizedPath() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("a/b"));
        write(sub, "app.ini", "[vassal]\np = %p\nc = %c\n");
        var config = load(dir.resolve("a/./b/../b/app.ini"));
        assertThat(value(config, "p")).isEqualTo(sub.resolve("app.ini").toAbsolutePath().normalize().toString());
        assertThat(value(config, "c")).isEqualTo("b");
    }

    @Test
    void unknownMagicLettersBecomeEmptyAndOtherPercentSignsStay() throws Exception {
        var config = load(dir, "app.ini", """
                [vassal]
                letter = A%zB
                digit-like = A%qB
                end = 50%
                dash = 10%-20%
                space = a % b
                """);
        assertThat(pairs(config)).containsExactly(
                "letter=AB", "digit-like=AB", "end=50%", "dash=10%-20%", "space=a % b");
    }

    @Test
    void doublePercentEscapesAMagicVariable() throws Exception {
        assertThat(value(load(dir, "app.ini", "[vassal]\nx = %%n is %n\n"), "x")).isEqualTo("%n is app");
    }

    @Test
    void environmentVariablesExpandAndUnsetOnesStayLiteral() throws Exception {
        var config = load(dir, "app.ini", """
                [vassal]
                home = $(HOME)/data
                two = $(HOME):$(APP_PORT)
                unset = $(NOT_SET_ANYWHERE)
                mixed = $(HOME)$(NOPE)$(HOME)
                empty = [$(EMPTY)]
                unclosed = $(HOME
                bare = $HOME and ${HOME}
                """);
        assertThat(pairs(config)).containsExactly(
                "home=/home/tester/data",
                "two=/home/tester:8080",
                "unset=$(NOT_SET_ANYWHERE)",
                "mixed=/home/tester$(NOPE)/home/tester",
                "empty=[]",
                "unclosed=$(HOME",
                "bare=$HOME and ${HOME}");
    }

    @Test
    void environmentValuesAreNotExpandedAgain() throws Exception {
        var loader = new ConfigLoader(Map.of("TRICK", "$(HOME)", "PCT", "%n"));
        var config = loader.loadVassal(write(dir, "app.ini", "[vassal]\na = $(TRICK)\nb = $(PCT)\n"));
        assertThat(pairs(config)).containsExactly("a=$(HOME)", "b=%n");
    }

    @Test
    void placeholdersTakeTheFirstDefinition() throws Exception {
        var config = load(dir, "app.ini", """
                [vassal]
                port = 8000
                command = serve --port %(port)
                port = 9000
                """);
        assertThat(value(config, "command")).isEqualTo("serve --port 8000");
        assertThat(config.options().all("port")).extracting(OptionValue::value).containsExactly("8000", "9000");
    }

    @Test
    void aLaterDefinitionStillResolves() throws Exception {
        var config = load(dir, "app.ini", "[vassal]\ncommand = serve %(where)\nwhere = /srv\n");
        assertThat(value(config, "command")).isEqualTo("serve /srv");
    }

    @Test
    void placeholdersSeeMagicAndEnvironmentExpansions() throws Exception {
        var config = load(dir, "app.ini", """
                [vassal]
                base = %d
                home = $(HOME)
                log = %(base)%n.log
                data = %(home)/data
                several = %(base)|%( home )|%(nope)
                """);
        String base = dir.toAbsolutePath().normalize() + "/";
        assertThat(value(config, "log")).isEqualTo(base + "app.log");
        assertThat(value(config, "data")).isEqualTo("/home/tester/data");
        assertThat(value(config, "several")).isEqualTo(base + "|/home/tester|%(nope)");
    }

    @Test
    void anUnclosedOrSelfReferencingPlaceholderStaysAsWritten() throws Exception {
        var config = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> load(dir, "app.ini", """
                [vassal]
                open = %(open
                self = %(self)
                a = %(b)
                b = %(a)
                """));
        assertThat(value(config, "open")).isEqualTo("%(open");
        assertThat(value(config, "self")).isEqualTo("%(self)");
    }

    @Test
    void placeholdersWorkInYamlLists() throws Exception {
        var config = load(dir, "app.yaml", "vassal:\n  name: web\n  env:\n    - NAME=%(name)\n    - HOME=$(HOME)\n");
        assertThat(config.options().all("env")).extracting(OptionValue::value)
                .containsExactly("NAME=web", "HOME=/home/tester");
    }

    @Test
    void expansionKeepsKeysAndOrigins() throws Exception {
        Path file = write(dir, "app.ini", "[vassal]\n\na = %n\nb = %(a)\n");
        var config = load(file);
        assertThat(config.options().values()).containsExactly(
                new OptionValue("a", "app", new Origin(file, 3)),
                new OptionValue("b", "app", new Origin(file, 4)));
    }

    @Test
    void theExpanderOnItsOwn() {
        Path file = Path.of("/srv/vassals/web.ini");
        Expander expander = new Expander(file, null, Map.of("X", "1"));
        assertThat(expander.magic("%n %e %s %c %d %p %x|")).isEqualTo("web ini web.ini vassals /srv/vassals/ /srv/vassals/web.ini |");
        assertThat(expander.magic("no percent")).isEqualTo("no percent");
        assertThat(expander.magic("%")).isEqualTo("%");
        assertThat(expander.magic("%k")).isEqualTo(Integer.toString(Runtime.getRuntime().availableProcessors()));
        assertThat(expander.magic("%v")).isEqualTo(Path.of("").toAbsolutePath().toString());
        assertThat(new Expander(Path.of("/top.ini"), "s", Map.of()).magic("%d|%c|%x")).isEqualTo("/||s");
        assertThat(new Expander(Path.of("/srv/noext"), "s", Map.of()).magic("%n|%e")).isEqualTo("noext|");
        assertThat(new Expander(Path.of("/srv/.hidden"), "s", Map.of()).magic("%n|%e")).isEqualTo(".hidden|");

        Origin o = new Origin(file, 1);
        List<OptionValue> out = expander.expand(List.of(
                new OptionValue("a", "$(X)", o), new OptionValue("b", "%(a)-%n", o)));
        assertThat(out).extracting(OptionValue::value).containsExactly("1", "1-web");
    }

    @Disabled("BUG: Expander.expand resolves %(key) against the values as they were BEFORE the placeholder pass"
            + " (the 'magic' list), so a placeholder that names an earlier option which itself holds a placeholder"
            + " stays literal. uWSGI 2.0.21 (uwsgi_apply_config_pass rewrites values in place, in order) gives"
            + " b = x, a = %(b), c = %(a)  ->  c = x;  Emperor gives c = %(b). Fix: in placeholders(), look keys"
            + " up in the already-expanded output for earlier options (e.g. resolve in order and record each"
            + " key's first expanded value in a map).")
    @Test
    void chainedPlaceholdersResolveLikeUwsgi() throws Exception {
        var config = load(dir, "app.ini", "[vassal]\nb = x\na = %(b)\nc = %(a)\n");
        assertThat(pairs(config)).containsExactly("b=x", "a=x", "c=x");
    }

    @Disabled("BUG: Expander's constructor replaces the file with file.toAbsolutePath().normalize(), so %o prints"
            + " the same absolute path as %p. In uWSGI %o is the path as given (the reference table: '%o path as"
            + " given, %p absolute path'). Fix: keep the original Path for %o.")
    @Test
    void percentOIsThePathAsGiven() throws Exception {
        Path relative = Path.of("target", "expander-test-" + ProcessHandle.current().pid(), "o.ini");
        try {
            write(relative.getParent(), "o.ini", "[vassal]\no = %o\np = %p\n");
            var config = load(relative);
            assertThat(value(config, "o")).isEqualTo(relative.toString());
            assertThat(value(config, "p")).isEqualTo(relative.toAbsolutePath().normalize().toString());
        } finally {
            Files.deleteIfExists(relative);
            Files.deleteIfExists(relative.getParent());
        }
    }

    @Disabled("BUG: Expander.placeholders scans the whole option list for every %(key) (O(options x placeholders))."
            + " A file under the 1 MiB limit with ~200k options and ~100k unresolved placeholders kept one core busy"
            + " for 162 s in a probe, freezing whoever loads it (the emperor's single event loop). Fix: build a"
            + " HashMap of each key's first value once (putIfAbsent) and look placeholders up in it.")
    @Test
    void placeholderExpansionOfAMaximalFileIsLinear() {
        StringBuilder sb = new StringBuilder("[vassal]\n");
        while (sb.length() < 600_000) sb.append("a=\n");
        sb.append("b=");
        while (sb.length() < SourceText.MAX_BYTES - 10) sb.append("%(z)");
        sb.append('\n');
        Path file = write(dir, "slow.ini", sb.toString());
        var config = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> load(file));
        assertThat(value(config, "b")).startsWith("%(z)%(z)");
    }
}
