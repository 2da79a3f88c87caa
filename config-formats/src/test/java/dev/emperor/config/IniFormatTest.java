package dev.emperor.config;

import static dev.emperor.config.Files4Test.lines;
import static dev.emperor.config.Files4Test.load;
import static dev.emperor.config.Files4Test.pairs;
import static dev.emperor.config.Files4Test.refuse;
import static dev.emperor.config.Files4Test.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IniFormatTest {

    @TempDir
    Path dir;

    @Test
    void readsTheVassalSectionWithLinesFormatAndSection() throws Exception {
        var config = load(dir, "app.ini", """
                [vassal]
                command = sleep 100
                processes = 2
                """);
        assertThat(config.format()).isEqualTo(ConfigFormat.INI);
        assertThat(config.section()).isEqualTo("vassal");
        assertThat(config.file()).isEqualTo(dir.resolve("app.ini"));
        assertThat(pairs(config)).containsExactly("command=sleep 100", "processes=2");
        assertThat(lines(config)).containsExactly(2, 3);
        assertThat(config.options().values().get(0).origin().toString()).isEqualTo(dir.resolve("app.ini") + ":2");
    }

    @Test
    void prefersVassalAndFallsBackToUwsgi() throws Exception {
        assertThat(load(dir, "a.ini", "[uwsgi]\nhttp = :8080\n").section()).isEqualTo("uwsgi");
        var onlyVassal = load(dir, "b.ini", "[vassal]\ncommand = x\n");
        assertThat(onlyVassal.section()).isEqualTo("vassal");
    }

    @Test
    void ignoresOtherSectionsEvenWhenTheyAreNotKeyValue() throws Exception {
        var config = load(dir, "app.ini", """
                top = before any section
                [other]
                this line has no equals sign
                command = not ours
                [vassal]
                command = ours
                [more]
                junk junk
                processes = 9
                """);
        assertThat(pairs(config)).containsExactly("command=ours");
        assertThat(lines(config)).containsExactly(6);
    }

    @Test
    void aRepeatedSectionIsMergedInFileOrder() throws Exception {
        var config = load(dir, "app.ini", "[vassal]\nenv = A=1\n[other]\nx = 1\n[vassal]\nenv = B=2\n");
        assertThat(pairs(config)).containsExactly("env=A=1", "env=B=2");
        assertThat(lines(config)).containsExactly(2, 6);
    }

    @Test
    void keepsRepeatedKeysInOrder() throws Exception {
        var config = load(dir, "app.ini", """
                [vassal]
                env = A=1
                command = x
                env = B=2
                env = A=3
                """);
        assertThat(config.options().all("env")).extracting(OptionValue::value).containsExactly("A=1", "B=2", "A=3");
        assertThat(config.options().all("env")).extracting(v -> v.origin().line()).containsExactly(2, 4, 5);
        assertThat(config.options().last("env")).map(OptionValue::value).contains("A=3");
        assertThat(config.options().keys()).containsExactly("env", "command");
    }

    @Test
    void skipsCommentsAndBlankLinesAndCountsThemForLineNumbers() throws Exception {
        var config = load(dir, "app.ini", """
                ; a comment
                # another
                [vassal]

                   ; indented comment
                   # indented hash
                command = x
                \t
                processes = 3
                """);
        assertThat(pairs(config)).containsExactly("command=x", "processes=3");
        assertThat(lines(config)).containsExactly(7, 9);
    }

    @Test
    void keepsInlineSemicolonsAndHashesAsPartOfTheValueLikeUwsgi() throws Exception {
        var config = load(dir, "app.ini", "[vassal]\ncommand = echo a;b # c\n");
        assertThat(pairs(config)).containsExactly("command=echo a;b # c");
    }

    @Test
    void blankValuesAreEmptyStringsAndWhitespaceIsTrimmed() throws Exception {
        var config = load(dir, "app.ini", "[vassal]\n  master =   \n  logto=\n  chdir   =   /srv/app  \n");
        assertThat(pairs(config)).containsExactly("master=", "logto=", "chdir=/srv/app");
        // uWSGI takes "[ vassal ]" as the section " vassal ": not ours
        assertThat(refuse(dir, "spaced.ini", "[ vassal ]\ncommand = x\n").getMessage()).contains("no [vassal] section");
    }

    @Test
    void splitsOnTheFirstEqualsSign() throws Exception {
        var config = load(dir, "app.ini", "[vassal]\nenv = A=B=C\n");
        assertThat(pairs(config)).containsExactly("env=A=B=C");
    }

    @Test
    void acceptsWindowsLineEndingsWithCorrectLines() throws Exception {
        var config = load(dir, "app.ini", "[vassal]\r\ncommand = x\r\n\r\nprocesses = 2\r\n");
        assertThat(pairs(config)).containsExactly("command=x", "processes=2");
        assertThat(lines(config)).containsExactly(2, 4);
    }

    @Test
    void aLineWithoutEqualsIsAnOptionWithAnEmptyValueLikeInUwsgi() throws Exception {
        // uWSGI reads "master" alone as master with an empty value (true for a flag);
        // `config check` reports names that cannot be options (ConfigCheckerTest)
        var config = load(dir, "app.ini", "[vassal]\ncommand = x\n\nmaster\n= nothing\n");
        assertThat(pairs(config)).containsExactly("command=x", "master=", "=nothing");
        assertThat(lines(config)).containsExactly(2, 4, 5);
    }

    @Test
    void onlySpacesTabsAndCarriageReturnsAreTrimmed() throws Exception {
        var config = load(dir, "app.ini", "[vassal]\na = \u00a0x\u00a0\nb =\f y\n");
        assertThat(pairs(config)).containsExactly("a=\u00a0x\u00a0", "b=\f y");
    }

    @Test
    void anUnclosedSectionHeaderIsAnError() {
        Path file = write(dir, "app.ini", "[vassal]\ncommand = x\n[broken\n"); // uWSGI: section "broke"
        ConfigException e = refuse(file);
        assertThat(e.errors()).singleElement()
                .satisfies(err -> assertThat(err.origin()).isEqualTo(new Origin(file, 3)))
                .satisfies(err -> assertThat(err.message()).contains("']'"));
    }

    @Test
    void aFileWithoutTheSectionIsAnError() {
        Path file = write(dir, "app.ini", "[other]\ncommand = x\n");
        ConfigException e = refuse(file);
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin()).isEqualTo(new Origin(file, 1));
            assertThat(err.message()).contains("[vassal]").contains("uwsgi");
        });
    }

    @Test
    void anEmptyFileHasNoSection() {
        ConfigException e = refuse(dir, "empty.ini", "");
        assertThat(e.getMessage()).contains("no [vassal] section");
    }

    @Test
    void anEmptySectionIsValidAndHasNoOptions() throws Exception {
        var config = load(dir, "app.ini", "[vassal]\n; nothing yet\n");
        assertThat(config.section()).isEqualTo("vassal");
        assertThat(config.options().isEmpty()).isTrue();
    }

    @Test
    void loadCanAskForAnySection() throws Exception {
        Path file = write(dir, "emperor.ini", "[vassal]\ncommand = x\n[emperor]\nstats = 127.0.0.1:9191\n");
        var config = new ConfigLoader(Files4Test.ENV).load(file, List.of("emperor"));
        assertThat(config.section()).isEqualTo("emperor");
        assertThat(pairs(config)).containsExactly("stats=127.0.0.1:9191");
    }

    @Test
    void sectionNamesAreCaseSensitive() {
        ConfigException e = refuse(dir, "app.ini", "[Vassal]\ncommand = x\n");
        assertThat(e.getMessage()).contains("no [vassal] section");
    }

    @Test
    void theExtensionIsCaseInsensitive() throws Exception {
        assertThat(load(dir, "APP.INI", "[vassal]\ncommand = x\n").format()).isEqualTo(ConfigFormat.INI);
    }

    @Test
    void theParserCanBeCalledOnTextDirectly() throws Exception {
        Path file = dir.resolve("direct.ini");
        RawSection section = IniParser.parse(file, "[uwsgi]\na = 1\n[vassal]\nb = 2\n", List.of("vassal", "uwsgi"), null);
        assertThat(section.name()).isEqualTo("vassal");
        assertThat(section.options()).containsExactly(new RawSection.RawOption("b", "2", 4));
        RawSection none = IniParser.parse(file, "[x]\na = 1\n", List.of("vassal"), null);
        assertThat(none.name()).isNull();
        assertThat(none.options()).isEmpty();
    }
}
