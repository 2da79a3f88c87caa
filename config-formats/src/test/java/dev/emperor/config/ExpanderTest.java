package dev.emperor.config;

import static dev.emperor.config.Files4Test.lines;
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
        assertThat(value(config, "x")).isEqualTo(""); // %x is the section named after a colon only
        assertThat(value(config, "pct")).isEqualTo("100%");
        assertThat(value(config, "all")).isEqualTo("app|ini|site||app.ini");
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
        Path file = write(dir, "u.ini", "[uwsgi]\nx = %x\n[other]\nx = %x\n");
        assertThat(value(load(file), "x")).isEqualTo("");
        var named = new ConfigLoader(Files4Test.ENV).load(file.toString() + ":other", ConfigLoader.VASSAL_SECTIONS);
        assertThat(named.section()).isEqualTo("other");
        assertThat(value(named, "x")).isEqualTo("other");
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
    void aPercentSignTakesTheNextCharacterWithItLikeUwsgi() throws Exception {
        // uWSGI replaces %X for every character X, in the raw text: unknown ones become nothing,
        // even a newline (joining two lines), and a % at the very end of the file disappears
        var config = load(dir, "app.ini", "[vassal]\nletter = A%zB\ndash = 10%-20\nspace = a % b\nend = 50%\nnext = 1\nlast = 9%");
        assertThat(pairs(config)).containsExactly("letter=AB", "dash=1020", "space=a b", "end=50next = 1", "last=9");
        assertThat(lines(config)).containsExactly(2, 3, 4, 5, 7);
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
    void theMagicTableOnItsOwn() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("srv/vassals"));
        Path file = write(sub, "web.ini", "");
        Path real = file.toRealPath();
        Magic.Process process = new Magic.Process(sub);
        Magic m = Magic.forFile("web.ini", real, real.toString(), null, null, process);
        assertThat(m.apply("%n %e %s %c %x|", true).text()).isEqualTo("web ini web.ini vassals |");
        assertThat(m.apply("%d", true).text()).isEqualTo(real.getParent() + "/");
        assertThat(m.apply("no percent", true).text()).isEqualTo("no percent");
        assertThat(m.apply("a%", true).text()).isEqualTo("a"); // uWSGI's terminating NUL eats it
        assertThat(m.apply("a%", false).text()).isEqualTo("a%"); // XML is read without one
        assertThat(m.apply("%k", true).text()).isEqualTo(Integer.toString(Runtime.getRuntime().availableProcessors()));
        assertThat(m.apply("%v", true).text()).isEqualTo(sub.toString());
        assertThat(m.apply("%[", true).text()).isEqualTo("\u001b");
        assertThat(m.apply("%0/%1", true).text()).isEqualTo(String.join("/", java.util.Arrays.copyOfRange(
                real.getParent().toString().substring(1).split("/"), 0, 2)));
        Path top = write(dir, ".hidden", "");
        Magic hidden = Magic.forFile(".hidden", top.toRealPath(), top.toString(), "sec", m, process);
        assertThat(hidden.apply("%n|%e|%x|%N|%X", true).text()).isEqualTo("|hidden|sec|web|");
    }

    @Test
    void aSymlinkKeepsItsOwnNameInPercentPAsInUwsgi() throws Exception {
        Path target = write(dir.resolve("real"), "target.ini", "[vassal]\np = %p\nn = %n\nd = %d\n");
        Path link = Files.createSymbolicLink(dir.resolve("link.ini"), target);
        var config = load(link);
        assertThat(value(config, "p")).isEqualTo(link.toString());
        assertThat(value(config, "n")).isEqualTo("link");
        assertThat(value(config, "d")).isEqualTo(dir + "/");
        var direct = load(target);
        assertThat(value(direct, "p")).isEqualTo(target.toRealPath().toString());
    }

    @Test
    void percentJIsUwsgisPathHash() {
        // uWSGI 2.0.21 printed these for %j of the given %p
        assertThat(Magic.hash("/tmp/o/t1.ini")).isEqualTo("29F770AE");
    }

    @Test
    void chainedPlaceholdersResolveLikeUwsgi() throws Exception {
        var config = load(dir, "app.ini", "[vassal]\nb = x\na = %(b)\nc = %(a)\n");
        assertThat(pairs(config)).containsExactly("b=x", "a=x", "c=x");
    }

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

    @Test
    void placeholderExpansionOfAMaximalFileIsLinear() {
        // as many options as one load may have (Limits.MAX_OPTIONS), then ~240k placeholders in one value
        StringBuilder sb = new StringBuilder("[vassal]\n");
        for (int i = 0; i < Limits.MAX_OPTIONS - 3; i++) sb.append("a=\n");
        sb.append("b=");
        while (sb.length() < SourceText.MAX_BYTES - 10) sb.append("%(z)");
        sb.append('\n');
        Path file = write(dir, "slow.ini", sb.toString());
        var config = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> load(file));
        assertThat(value(config, "b")).startsWith("%(z)%(z)");
    }

    @Test
    void manyResolvedPlaceholdersInOneValueAreLinearToo() {
        // uWSGI rescans the value after every replacement (quadratic); we resume where the new text starts
        StringBuilder sb = new StringBuilder("[vassal]\na = xy\nb = .");
        while (sb.length() < SourceText.MAX_BYTES - 10) sb.append("%(a)");
        sb.append('\n');
        Path file = write(dir, "many.ini", sb.toString());
        var config = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> load(file));
        assertThat(value(config, "b")).startsWith(".xyxyxy").doesNotContain("%(");
    }

    @Test
    void aPlaceholderThatKeepsReferringToItselfIsAnError() {
        // uWSGI loops forever on both: the first grows without end, the second never changes
        ConfigException grows = Files4Test.refuse(dir, "grow.ini", "[vassal]\ncommand = x\nself = x%(self)\n");
        assertThat(grows.errors()).singleElement().satisfies(e -> {
            assertThat(e.origin().line()).isEqualTo(3);
            assertThat(e.message()).contains("refers back to itself");
        });
        ConfigException spins = Files4Test.refuse(dir, "spin.ini", "[vassal]\na = %(a)\nv = x%(a)\n");
        assertThat(spins.getMessage()).contains("refers back to itself");
    }
}
