package dev.emperor.config;

import static dev.emperor.config.Files4Test.load;
import static dev.emperor.config.Files4Test.pairs;
import static dev.emperor.config.Files4Test.refuse;
import static dev.emperor.config.Files4Test.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Includes, inherit, blocks and @(file) from our own (vassal) point of view, and their limits. */
class IncludeTest {

    @TempDir
    Path dir;

    @Test
    void anIncludeReadsTheSameSectionAsTheFileThatIncludesIt() throws Exception {
        write(dir, "common.ini", "[uwsgi]\nu = 1\n[vassal]\nv = %n\n");
        write(dir, "common.yaml", "vassal:\n  y: 2\n");
        var config = load(dir, "app.ini", "[vassal]\ncommand = x\nini = common.ini\ninclude = common.yaml\nini = common.ini:uwsgi\n");
        assertThat(pairs(config)).containsExactly("command=x", "ini=common.ini", "v=common", "include=common.yaml", "y=2",
                "ini=common.ini:uwsgi", "u=1");
        assertThat(config.options().last("y").orElseThrow().origin()).isEqualTo(new Origin(dir.resolve("common.yaml"), 2));
    }

    @Test
    void includeCyclesAreRefusedWithTheChain() {
        write(dir, "a.ini", "[vassal]\nini = b.ini\n");
        write(dir, "b.ini", "[vassal]\nx = 1\nini = a.ini\n");
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refused(dir.resolve("a.ini")));
        assertThat(e.errors().get(0).origin()).isEqualTo(new Origin(dir.resolve("b.ini"), 3)); // the line that closes the cycle
        assertThat(e.getMessage()).contains("include cycle").contains("a.ini -> ").contains("b.ini -> a.ini");
        Path self = write(dir, "self.yaml", "vassal:\n  yaml: self.yaml\n");
        assertThat(refused(self).getMessage()).contains("include cycle");
    }

    @Test
    void includesNestDeeperThanTenAreRefused() {
        for (int i = 0; i < 15; i++) write(dir, "f" + i + ".ini", "[vassal]\nini = f" + (i + 1) + ".ini\n");
        write(dir, "f15.ini", "[vassal]\nend = 1\n");
        ConfigException e = refused(dir.resolve("f0.ini"));
        assertThat(e.getMessage()).contains("nested deeper than " + Limits.MAX_INCLUDE_DEPTH).contains("f0.ini -> f1.ini");
        for (int i = 0; i < 5; i++) write(dir, "g" + i + ".ini", "[vassal]\nini = g" + (i + 1) + ".ini\n");
        write(dir, "g5.ini", "[vassal]\ndeep = yes\n");
        assertThat(pairs(assertLoads(dir.resolve("g0.ini")))).contains("deep=yes");
    }

    /** Refused, with errors that may point into an included file (where the problem is). */
    private static ConfigException refused(Path file) {
        try {
            load(file);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError(file + " was loaded");
    }

    private static ConfigLoader.LoadedConfig assertLoads(Path file) {
        try {
            return load(file);
        } catch (ConfigException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    @Test
    void aMissingIncludeOrAtFilePointsAtTheLineThatNamesIt() {
        Path file = write(dir, "app.ini", "[vassal]\ncommand = x\nini = nope.ini\n");
        assertThat(refuse(file).getMessage()).isEqualTo(file + ":3: cannot read 'nope.ini': file not found");
        Path at = write(dir, "at.ini", "[vassal]\nkey = @(nope.txt)\n");
        assertThat(refuse(at).getMessage()).isEqualTo(at + ":2: cannot read 'nope.txt': file not found");
        Path noSection = write(dir, "ns.ini", "[vassal]\nini = other.ini\n");
        write(dir, "other.ini", "[uwsgi]\nx = 1\n");
        assertThat(refuse(noSection).getMessage()).contains(":2: 'other.ini' has no [vassal] section");
    }

    @Test
    void schemesThatRunCommandsOrFetchAreRefused() {
        for (String v : List.of("@(exec://id)", "@(http://127.0.0.1/x)", "@(data://x)")) {
            assertThat(refuse(dir, "s.ini", "[vassal]\nkey = " + v + "\n").getMessage()).contains("sources are not supported");
        }
        assertThat(refuse(dir, "t.ini", "[vassal]\nini = exec://cat /etc/passwd\n").getMessage())
                .contains("'exec://' sources are not supported");
        assertThat(refuse(dir, "u.ini", "[vassal]\nconfig = x.conf\n").getMessage()).contains("plugin system");
        assertThat(refuse(dir, "v.ini", "[vassal]\ninclude = x.conf\n").getMessage()).contains("cannot tell the format");
    }

    @Test
    void atFileTakesTheFileWithoutOneTrailingNewline() throws Exception {
        write(dir, "v.txt", "value\n\n");
        assertThat(pairs(load(dir, "a.ini", "[vassal]\nk = [@(v.txt)]\n"))).containsExactly("k=[value\n]");
    }

    @Test
    void nestedBlocksAreRefusedLikeUwsgiDoes() {
        ConfigException e = refuse(dir, "n.ini", "[vassal]\nfor = a b\nif-env = HOME\nx = 1\nendif =\nendfor =\n");
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin().line()).isEqualTo(3);
            assertThat(err.message()).contains("cannot be nested");
        });
    }

    @Test
    void blocksUseTheLoadersEnvironmentAndWorkingDirectory() throws Exception {
        write(dir, "data/present.txt", "x");
        var config = new ConfigLoader(java.util.Map.of("MODE", "prod")).withWorkingDirectory(dir.resolve("data"))
                .load(write(dir, "app.ini", "[vassal]\nif-env = MODE=prod\np = %(_)\nendif =\n"
                        + "if-exists = present.txt\ne = %(_)\nendif =\nfor-glob = *.txt\ng = %(_)\nendfor =\nv = %v\n"),
                        ConfigLoader.VASSAL_SECTIONS);
        assertThat(pairs(config)).containsExactly("if-env=MODE=prod", "p=prod", "endif=", "if-exists=present.txt",
                "e=present.txt", "endif=", "for-glob=*.txt", "g=present.txt", "endfor=", "v=" + dir.resolve("data"));
    }

    @Test
    void forTimesCannotMakeMoreOptionsThanTheLimit() {
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> refuse(dir, "t.ini", "[vassal]\nfor-times = 2000000000\nx = %(_)\nendfor =\n"));
        assertThat(e.getMessage()).contains("more than " + Limits.MAX_OPTIONS);
    }

    @Test
    void inheritIsAppendedAfterThePlaceholdersAreDone() throws Exception {
        write(dir, "t.ini", "[vassal]\nfrom-template = %(x)\nprocesses = 4\n");
        var config = load(dir, "app.ini", "[vassal]\ncommand = x\nx = 1\ninherit = t.ini\nprocesses = 2\n");
        assertThat(pairs(config)).containsExactly("command=x", "x=1", "inherit=t.ini", "processes=2",
                "from-template=%(x)", "processes=4");
    }

    @Test
    void loadUnexpandedKeepsWhatTheFileSays() throws Exception {
        Path file = write(dir, "app.ini", "[vassal]\ncommand = run %n on %h with %k cpus\nport = $(PORT)\n"
                + "ini = %d/other.ini\nx = %(port)\npct = 50%%\nself = %p\nodd = a%zb\n");
        var raw = new ConfigLoader(java.util.Map.of()).loadUnexpanded(file, null, ConfigLoader.VASSAL_SECTIONS);
        // magic that means the same in a converted file next to this one stays as written (even %z,
        // which is no variable and removed either way); %p, the file's own path, is written as its value
        assertThat(pairs(raw)).containsExactly("command=run %n on %h with %k cpus", "port=$(PORT)",
                "ini=%d/other.ini", "x=%(port)", "pct=50%%", "self=" + file.toRealPath(), "odd=a%zb");
        assertThat(raw.section()).isEqualTo("vassal");
    }
}
