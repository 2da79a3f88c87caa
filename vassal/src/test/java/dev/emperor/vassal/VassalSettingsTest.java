package dev.emperor.vassal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.emperor.config.ConfigError;
import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader;
import dev.emperor.config.Origin;
import dev.emperor.config.schema.OptionSpec;
import dev.emperor.config.schema.Schema;
import dev.emperor.config.schema.Scope;
import dev.emperor.vassal.process.Signal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VassalSettingsTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private VassalSettings settings(String name, String text) throws Exception {
        Path file = write(name, text);
        return VassalSettings.from(name.substring(0, name.indexOf('.')), new ConfigLoader(Map.of("HOME", "/home/t")).loadVassal(file));
    }

    /** The file must be refused by VassalSettings.from with a ConfigException (nothing else). */
    /** The file is refused, by the loader or by the settings, with errors naming it. */
    private ConfigException invalid(String name, String text) throws Exception {
        Path file = write(name, text);
        Throwable t = catchThrowable(() -> VassalSettings.from("x", new ConfigLoader(Map.of()).loadVassal(file)));
        assertThat(t).isInstanceOf(ConfigException.class);
        ConfigException e = (ConfigException) t;
        assertThat(e.errors()).allSatisfy(err -> assertThat(err.origin().file()).isEqualTo(file.toAbsolutePath().normalize()));
        return e;
    }

    private static List<String> vassalOptions() {
        return Schema.standard().options(Scope.VASSAL).stream().map(OptionSpec::name).toList();
    }

    @Test
    void defaults() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = sleep 100\n");
        Path file = dir.resolve("app.ini").toAbsolutePath().normalize();
        assertThat(s.name()).isEqualTo("app");
        assertThat(s.configFile()).isEqualTo(file);
        assertThat(s.argv()).containsExactly("sleep", "100");
        assertThat(s.processes()).isEqualTo(1);
        assertThat(s.master()).isTrue();
        assertThat(s.environment()).isEmpty();
        assertThat(s.directory()).isEqualTo(file.getParent());
        assertThat(s.stopSignal()).isEqualTo(Signal.TERM);
        assertThat(s.reloadMercy()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.logFile()).isEmpty();
        assertThat(s.readyAfter()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void theDefaultDirectoryIsTheFilesFolderEvenForARelativePath() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("vassals"));
        Files.writeString(sub.resolve("web.ini"), "[vassal]\ncommand = x\n");
        Path cwd = Path.of("").toAbsolutePath();
        Path relative = cwd.relativize(sub.resolve("web.ini").toAbsolutePath());
        VassalSettings s = VassalSettings.from("web", new ConfigLoader(Map.of()).loadVassal(relative));
        assertThat(s.directory()).isEqualTo(sub.toAbsolutePath().normalize());
        assertThat(s.configFile()).isAbsolute();
    }

    @Test
    void everyOptionSet() throws Exception {
        VassalSettings s = settings("app.ini", """
                [vassal]
                command = java -Dx='a b' -jar app.jar
                processes = 4
                master = false
                env = A=1
                env = URL=http://h/?a=b
                env = EMPTY=
                chdir = sub/dir
                stop-signal = SIGQUIT
                reload-mercy = 2.5
                logto = logs/%n.log
                ready-after = 0
                """);
        assertThat(s.argv()).containsExactly("java", "-Dx=a b", "-jar", "app.jar");
        assertThat(s.processes()).isEqualTo(4);
        assertThat(s.master()).isFalse();
        assertThat(s.environment()).containsExactly(Map.entry("A", "1"), Map.entry("URL", "http://h/?a=b"), Map.entry("EMPTY", ""));
        assertThat(s.directory()).isEqualTo(dir.toAbsolutePath().normalize().resolve("sub/dir"));
        assertThat(s.stopSignal()).isEqualTo(Signal.QUIT);
        assertThat(s.reloadMercy()).isEqualTo(Duration.ofMillis(2500));
        assertThat(s.logFile()).contains(dir.toAbsolutePath().normalize().resolve("logs/app.log"));
        assertThat(s.readyAfter()).isZero();
    }

    @Test
    void absolutePathsStayAbsoluteAndAreNormalized() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = x\nchdir = /srv/./app/../web\nlogto = /var/log/app.log\n");
        assertThat(s.directory()).isEqualTo(Path.of("/srv/web"));
        assertThat(s.logFile()).contains(Path.of("/var/log/app.log"));
    }

    @Test
    void blankPathsMeanTheDefault() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = x\nchdir =\nlogto =\n");
        assertThat(s.directory()).isEqualTo(dir.toAbsolutePath().normalize());
        assertThat(s.logFile()).isEmpty();
    }

    @Test
    void theLastValueOfASingleOptionWins() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = a\nprocesses = 2\ncommand = b c\nprocesses = 3\n");
        assertThat(s.argv()).containsExactly("b", "c");
        assertThat(s.processes()).isEqualTo(3);
    }

    @Test
    void aRepeatedEnvKeyKeepsItsFirstPlaceAndTheLastValue() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = x\nenv = A=1\nenv = B=2\nenv = A=3\n");
        assertThat(s.environment()).containsExactly(Map.entry("A", "3"), Map.entry("B", "2"));
    }

    @Test
    void aWorkersIdentityIsNotTheFilesToChoose() throws Exception {
        // EMPEROR_VASSAL decides which cgroup a worker joins and whose log it may write.
        ConfigException e = invalid("app.ini", "[vassal]\ncommand = x\nenv = EMPEROR_VASSAL=bobapp\n");
        assertThat(e.errors().get(0).toString()).contains("app.ini:3").contains("EMPEROR_VASSAL is reserved");
        assertThat(e.publicText()).doesNotContain("bobapp");
    }

    @Test
    void theSettingsAreImmutable() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = a b\nenv = A=1\n");
        assertThat(catchThrowable(() -> s.argv().add("c"))).isInstanceOf(UnsupportedOperationException.class);
        assertThat(catchThrowable(() -> s.environment().put("B", "2"))).isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "TRUE", "yes", "on", "1", "On", ""})
    void trueSpellings(String value) throws Exception {
        assertThat(settings("app.ini", "[vassal]\ncommand = x\nmaster = " + value + "\n").master()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"false", "False", "no", "off", "0", "OFF", " NO "})
    void falseSpellings(String value) throws Exception {
        assertThat(settings("app.ini", "[vassal]\ncommand = x\nmaster = " + value + "\n").master()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SIGINT", "INT", "int", "2"})
    void stopSignalSpellings(String value) throws Exception {
        assertThat(settings("app.ini", "[vassal]\ncommand = x\nstop-signal = " + value + "\n").stopSignal())
                .isEqualTo(Signal.INT);
    }

    @Test
    void shellTrueRunsTheCommandThroughBinSh() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = echo $HOME | wc -c > 'out file'\nshell = true\n");
        assertThat(s.argv()).containsExactly("/bin/sh", "-c", "echo $HOME | wc -c > 'out file'");
    }

    @Test
    void withoutShellNothingIsExpandedOrPiped() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = echo $HOME | wc\nshell = false\n");
        assertThat(s.argv()).containsExactly("echo", "$HOME", "|", "wc");
    }

    @Test
    void anUnclosedQuoteIsAnErrorOnTheCommandLine() throws Exception {
        ConfigException e = invalid("app.ini", "[vassal]\nprocesses = 1\ncommand = echo 'oops\n");
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin().line()).isEqualTo(3);
            assertThat(err.message()).startsWith("command: ").contains("unclosed single quote");
        });
    }

    @Test
    void aMissingCommandIsAnErrorOnLineOne() throws Exception {
        ConfigException e = invalid("app.ini", "[vassal]\nprocesses = 2\n");
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin().line()).isEqualTo(1);
            assertThat(err.message()).contains("missing 'command'");
        });
    }

    @Test
    void aBlankCommandIsAnErrorOnItsLine() throws Exception {
        ConfigException e = invalid("app.ini", "[vassal]\n\ncommand =   \n");
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin().line()).isEqualTo(3);
            assertThat(err.message()).contains("missing 'command'");
        });
    }

    @Test
    void wrongTypesAreAllReportedSortedByLine() throws Exception {
        // The lines are deliberately in a different order from the order the fields are validated in.
        ConfigException e = invalid("app.ini", """
                [vassal]
                ready-after = soon
                command = x
                processes = many
                stop-signal = SIGFOO
                bogus = 1
                master = maybe
                reload-mercy = -1
                shell = sometimes
                """);
        List<ConfigError> errors = e.errors();
        assertThat(errors).extracting(err -> err.origin().line()).containsExactly(2, 4, 5, 6, 7, 8, 9);
        assertThat(errors.get(0).message()).isEqualTo("ready-after: expected a number >= 0, found 'soon'");
        assertThat(errors.get(1).message()).isEqualTo("processes: expected a whole number, found 'many'");
        assertThat(errors.get(2).message()).startsWith("stop-signal: unknown signal 'SIGFOO'");
        assertThat(errors.get(3).message()).startsWith("unknown option 'bogus'");
        assertThat(errors.get(4).message()).isEqualTo("master: expected a boolean (true/false, yes/no, on/off, 1/0), found 'maybe'");
        assertThat(errors.get(5).message()).isEqualTo("reload-mercy: expected a number >= 0, found '-1'");
        assertThat(errors.get(6).message()).isEqualTo("shell: expected a boolean (true/false, yes/no, on/off, 1/0), found 'sometimes'");
        // the exception's message is the same list, one FILE:LINE: message per line
        String file = dir.resolve("app.ini").toAbsolutePath().normalize().toString();
        assertThat(e.getMessage().lines()).hasSize(7).first().isEqualTo(file + ":2: ready-after: expected a number >= 0, found 'soon'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "4097", "99999999999", "1.5", "two", ""})
    void processesMustBeAWholeNumberInRange(String value) throws Exception {
        ConfigException e = invalid("app.ini", "[vassal]\ncommand = x\nprocesses = " + value + "\n");
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin().line()).isEqualTo(3);
            assertThat(err.message()).startsWith("processes: ");
        });
    }

    @Test
    void processesAtTheLimitsAreFine() throws Exception {
        assertThat(settings("a.ini", "[vassal]\ncommand = x\nprocesses = 1\n").processes()).isEqualTo(1);
        assertThat(settings("b.ini", "[vassal]\ncommand = x\nprocesses = 4096\n").processes()).isEqualTo(VassalSettings.MAX_PROCESSES);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-0.5", "86401", "NaN", "Infinity", "1e9", "ten", ""})
    void durationsMustBeSecondsInRange(String value) throws Exception {
        ConfigException e = invalid("app.ini", "[vassal]\ncommand = x\nready-after = " + value + "\n");
        assertThat(e.errors()).singleElement().satisfies(err -> assertThat(err.message()).startsWith("ready-after: "));
    }

    @Test
    void durationsAcceptFractionsAndTheLimits() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = x\nreload-mercy = 86400\nready-after = 0.25\n");
        assertThat(s.reloadMercy()).isEqualTo(Duration.ofDays(1));
        assertThat(s.readyAfter()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void unknownOptionsGetADidYouMean() throws Exception {
        ConfigException e = invalid("app.ini", """
                [vassal]
                command = x
                proceses = 2
                stop_signal = INT
                comand = y
                xyzzy = 1
                """);
        assertThat(e.errors()).extracting(ConfigError::message).containsExactly(
                "unknown option 'proceses' (did you mean 'processes'?)",
                "unknown option 'stop_signal' (did you mean 'stop-signal'?)",
                "unknown option 'comand' (did you mean 'command'?)",
                "unknown option 'xyzzy'");
        assertThat(e.errors()).extracting(err -> err.origin().line()).containsExactly(3, 4, 5, 6);
    }

    @Test
    void suggestionIsTheClosestKnownOptionWithinTwoEdits() {
        assertThat(VassalSettings.unknown("mastr")).isEqualTo("unknown option 'mastr' (did you mean 'master'?)");
        assertThat(VassalSettings.unknown("logot")).isEqualTo("unknown option 'logot' (did you mean 'logto'?)");
        assertThat(VassalSettings.unknown("chdri")).isEqualTo("unknown option 'chdri' (did you mean 'chdir'?)");
        assertThat(VassalSettings.unknown("ready_after")).isEqualTo("unknown option 'ready_after' (did you mean 'ready-after'?)");
        assertThat(VassalSettings.unknown("throtle")).isEqualTo("unknown option 'throtle'"); // an emperor option is no suggestion here
        assertThat(VassalSettings.unknown("")).isEqualTo("unknown option ''");
    }

    @ParameterizedTest
    @ValueSource(strings = {"NOEQUALS", "=value", "1ABC=x", "A-B=x", "A B=x", "A.B=x", "\u00c4=x"})
    void envMustBeKeyEqualsValueWithAPortableName(String value) throws Exception {
        ConfigException e = invalid("app.ini", "[vassal]\ncommand = x\nenv = OK=1\nenv = " + value + "\n");
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin().line()).isEqualTo(4);
            assertThat(err.message()).startsWith("env: expected KEY=VALUE");
        });
    }

    @Test
    void envValuesMayHoldAnything() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = x\nenv = _A1=a=b c 'd' $(NOPE)\nenv = lower=ok\n");
        assertThat(s.environment()).containsExactly(Map.entry("_A1", "a=b c 'd' $(NOPE)"), Map.entry("lower", "ok"));
    }

    @Test
    void everyFormatGivesTheSameSettings() throws Exception {
        VassalSettings ini = settings("a.ini", "[vassal]\ncommand = run 'x y'\nprocesses = 2\nenv = A=1\nenv = B=2\nmaster = no\n");
        VassalSettings yaml = settings("a.yaml", "vassal:\n  command: run 'x y'\n  processes: 2\n  env: [A=1, B=2]\n  master: no\n");
        VassalSettings json = settings("a.json", "{\"vassal\": {\"command\": \"run 'x y'\", \"processes\": 2, \"env\": [\"A=1\", \"B=2\"], \"master\": false}}");
        VassalSettings xml = settings("a.xml", "<vassal><command>run 'x y'</command><processes>2</processes><env>A=1</env><env>B=2</env><master>no</master></vassal>");
        for (VassalSettings s : List.of(ini, yaml, json, xml)) {
            assertThat(s.argv()).containsExactly("run", "x y");
            assertThat(s.processes()).isEqualTo(2);
            assertThat(s.environment()).containsExactly(Map.entry("A", "1"), Map.entry("B", "2"));
            assertThat(s.master()).isFalse();
        }
    }

    @Test
    void yamlErrorsPointAtTheirLines() throws Exception {
        ConfigException e = invalid("app.yaml", "vassal:\n  command: x\n  processes: lots\n  env:\n    - GOOD=1\n    - bad\n");
        assertThat(e.errors()).extracting(err -> err.origin().line()).containsExactly(3, 6);
    }

    @Test
    void aUwsgiFileToleratesUwsgiOptionsAndRunsUwsgiWithSigint() throws Exception {
        VassalSettings s = settings("legacy.ini", """
                [uwsgi]
                http-socket = :8080
                module = app:application
                enable-threads = true
                single-interpreter = true
                """);
        Path file = dir.resolve("legacy.ini").toAbsolutePath().normalize();
        assertThat(s.argv()).containsExactly("uwsgi", "--ini", file.toString());
        assertThat(s.stopSignal()).isEqualTo(Signal.INT);
        assertThat(s.directory()).isEqualTo(file.getParent());
    }

    @Test
    void theUwsgiFormatFlagFollowsTheFileFormat() throws Exception {
        Path yaml = dir.resolve("a.yaml").toAbsolutePath().normalize();
        assertThat(settings("a.yaml", "uwsgi:\n  module: app\n").argv()).containsExactly("uwsgi", "--yaml", yaml.toString());
        Path json = dir.resolve("b.json").toAbsolutePath().normalize();
        assertThat(settings("b.json", "{\"uwsgi\": {\"module\": \"app\"}}").argv()).containsExactly("uwsgi", "--json", json.toString());
        Path xml = dir.resolve("c.xml").toAbsolutePath().normalize();
        assertThat(settings("c.xml", "<uwsgi><module>app</module></uwsgi>").argv()).containsExactly("uwsgi", "--xml", xml.toString());
    }

    @Test
    void aUwsgiFileWithACommandRunsItWithSigterm() throws Exception {
        VassalSettings s = settings("u.ini", "[uwsgi]\ncommand = uwsgi --http :9090\nsomething-uwsgi = 1\n");
        assertThat(s.argv()).containsExactly("uwsgi", "--http", ":9090");
        assertThat(s.stopSignal()).isEqualTo(Signal.TERM);
    }

    @Test
    void aUwsgiFileMayChooseItsStopSignal() throws Exception {
        assertThat(settings("u.ini", "[uwsgi]\nstop-signal = QUIT\n").stopSignal()).isEqualTo(Signal.QUIT);
    }

    @Test
    void aUwsgiFileStillValidatesTheOptionsTheEmperorReads() throws Exception {
        ConfigException e = invalid("u.ini", "[uwsgi]\nmodule = app\nreload-mercy = never\n");
        assertThat(e.errors()).singleElement().satisfies(err -> assertThat(err.origin().line()).isEqualTo(3));
    }

    @Test
    void aUwsgiFileWithABlankCommandIsAnError() throws Exception {
        ConfigException e = invalid("u.ini", "[uwsgi]\ncommand =\n");
        assertThat(e.errors()).singleElement().satisfies(err -> assertThat(err.message()).contains("missing 'command'"));
    }

    @Test
    void everyOptionHasAKeyATypeAndHelp() {
        // the options the design names and this test covers; others may be added
        // VassalSettings reads the one schema: every vassal option there has a default that it can read
        assertThat(vassalOptions())
                .contains("command", "shell", "processes", "master", "env", "chdir", "stop-signal",
                        "reload-mercy", "logto", "ready-after");
        for (String key : vassalOptions()) {
            if (key.equals("command")) continue;
            String value = Schema.standard().get(key).defaultValue();
            if (value.isEmpty()) continue;
            String line = Schema.standard().get(key).repeatable() ? "" : key + " = " + value + "\n";
            assertThat(catchThrowable(() -> settings("d-" + key + ".ini", "[vassal]\ncommand = x\n" + line)))
                    .as("the schema's default of " + key).isNull();
        }
    }

    @Test
    void randomOptionsOnlyEverGiveConfigExceptions() {
        // NUL characters are left out: they are a known bug, see aNulInAPathIsAConfigError.
        String[] keys = vassalOptions().toArray(String[]::new);
        String[] values = {"", " ", "0", "1", "-1", "4097", "2.5", "1e308", "-0", "NaN", "yes", "maybe", "SIGTERM", "99",
            "a=b", "=", "A=", "'", "\"", "\\", "x 'y z'", "$(HOME)", "%(x)", "../../..", "/", "~", "\u00e9",
            "\uD83D\uDE00", "a\nb", "\t", "10K", "5M", "022", "0x10", "root", "nobody", "x".repeat(5000)};
        java.util.Random random = new java.util.Random(42);
        Path file = dir.resolve("r.ini").toAbsolutePath();
        int accepted = 0;
        for (int i = 0; i < 2000; i++) {
            List<dev.emperor.config.OptionValue> options = new java.util.ArrayList<>();
            int n = random.nextInt(8);
            for (int k = 0; k < n; k++) {
                String key = random.nextInt(10) == 0 ? "zz" + random.nextInt(3) : keys[random.nextInt(keys.length)];
                options.add(new dev.emperor.config.OptionValue(key, values[random.nextInt(values.length)], new Origin(file, k + 2)));
            }
            String section = random.nextBoolean() ? "vassal" : "uwsgi";
            dev.emperor.config.ConfigFormat format = dev.emperor.config.ConfigFormat.values()[random.nextInt(4)];
            var config = new ConfigLoader.LoadedConfig(file, format, section, new dev.emperor.config.OptionModel(options));
            try {
                VassalSettings s = VassalSettings.from("r", config);
                assertThat(s.argv()).isNotEmpty();
                assertThat(s.processes()).isBetween(1, VassalSettings.MAX_PROCESSES);
                accepted++;
            } catch (ConfigException e) {
                assertThat(e.errors()).isNotEmpty();
                List<Integer> lines = e.errors().stream().map(err -> err.origin().line()).toList();
                assertThat(lines).isSorted();
            } catch (RuntimeException | Error t) {
                throw new AssertionError("options " + options + " in [" + section + "] threw " + t, t);
            }
        }
        assertThat(accepted).isGreaterThan(50);
    }

    @Test
    void aUwsgiFilesProcessesBelongToUwsgi() throws Exception {
        VassalSettings s = settings("legacy.ini", "[uwsgi]\nhttp-socket = :8080\nmaster = true\nprocesses = 4\n");
        assertThat(s.argv()).first().isEqualTo("uwsgi");
        assertThat(s.processes()).isEqualTo(1);
    }

    @Test
    void aNulInAPathIsAConfigError() throws Exception {
        ConfigException e = invalid("app.yaml", "vassal:\n  command: x\n  chdir: \"a\\0b\"\n  logto: \"l\\0g\"\n");
        assertThat(e.errors()).extracting(err -> err.origin().line()).containsExactly(3, 4);
    }

    @Test
    void aNulInAnEnvValueIsAConfigError() throws Exception {
        ConfigException e = invalid("app.yaml", "vassal:\n  command: x\n  env:\n    - \"A=x\\0y\"\n");
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin()).isEqualTo(new Origin(dir.resolve("app.yaml").toAbsolutePath().normalize(), 4));
        });
    }

    @Test
    void booleansAreReadAsUwsgiReadsThem() throws Exception {
        assertThat(settings("a.ini", "[vassal]\ncommand = x\nmaster = No\nagent = ON\nshell = 0\n"))
                .satisfies(s -> assertThat(s.master()).isFalse())
                .satisfies(s -> assertThat(s.agent()).isTrue())
                .satisfies(s -> assertThat(s.argv()).containsExactly("x"));
        assertThat(settings("b.ini", "[vassal]\ncommand = x\nmaster\n").master()).isTrue(); // the flag alone
        ConfigException e = invalid("c.ini", "[vassal]\ncommand = x\nlazy-apps = y\n");
        assertThat(e.errors()).extracting(ConfigError::toString).containsExactly(dir.resolve("c.ini").toAbsolutePath()
                .normalize() + ":3: lazy-apps: expected a boolean (true/false, yes/no, on/off, 1/0), found 'y'");
    }

    @Test
    void iniIncludesWorkInAVassalSection() throws Exception {
        write("common.ini", "[vassal]\nprocesses = 3\nenv = FROM=common\n");
        VassalSettings s = settings("app.ini", "[vassal]\nini = common.ini\ncommand = sleep 1\n");
        assertThat(s.processes()).isEqualTo(3);
        assertThat(s.environment()).containsExactly(Map.entry("FROM", "common"));
    }

    @Test
    void setWorksInAVassalSection() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\nset = processes=2\nset = port=8080\n"
                + "command = serve --port %(port)\n");
        assertThat(s.processes()).isEqualTo(2);
        assertThat(s.argv()).containsExactly("serve", "--port", "8080");
    }

    @Test
    void forBlocksWorkInAVassalSection() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = sleep 1\nfor = a b c\nenv = X_%(_)=%(_)\n"
                + "endfor =\nfor-times = 2\ntouch-reload = t%(_)\nend-for =\n");
        assertThat(s.environment()).containsExactly(Map.entry("X_a", "a"), Map.entry("X_b", "b"), Map.entry("X_c", "c"));
        assertThat(s.reload().touchReload()).containsExactly(dir.resolve("t1").toAbsolutePath().normalize(),
                dir.resolve("t2").toAbsolutePath().normalize());
    }

    @Test
    void placeholderDefinitionsAreNotSettingsButTyposStillAre() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = java -jar app.jar --port %(port)\nport = 8080\n");
        assertThat(s.argv()).containsExactly("java", "-jar", "app.jar", "--port", "8080");
        ConfigException e = invalid("typo.ini", "[vassal]\ncommand = x\nprot = 8080\n");
        assertThat(e.errors()).extracting(ConfigError::message).containsExactly("unknown option 'prot'");
    }

    @Test
    void uwsgiNamesAreAliases() throws Exception {
        VassalSettings s = settings("app.ini", "[vassal]\ncommand = x\nworkers = 3\nmax-fd = 512\n");
        assertThat(s.processes()).isEqualTo(3);
        assertThat(s.limits().rlimits()).containsEntry(dev.emperor.vassal.process.ProcessLimits.Resource.NOFILE, 512L);
    }
}
