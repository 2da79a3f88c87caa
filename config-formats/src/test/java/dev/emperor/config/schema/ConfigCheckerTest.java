package dev.emperor.config.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emperor.config.ConfigError;
import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader;
import dev.emperor.config.Origin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCheckerTest {

    @TempDir
    Path dir;

    private final ConfigChecker checker = new ConfigChecker();

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private List<ConfigError> vassal(String name, String text) throws IOException, ConfigException {
        return checker.checkVassal(new ConfigLoader(Map.of()).loadVassal(write(name, text)));
    }

    private List<ConfigError> emperor(String name, String text) throws IOException, ConfigException {
        return checker.checkEmperor(new ConfigLoader(Map.of()).loadEmperor(write(name, text)));
    }

    @Test
    void aGoodVassalFileHasNoProblems() throws Exception {
        assertThat(vassal("ok.ini", """
                [vassal]
                command = java -jar app.jar --port %(port)
                port = 8080
                processes = 4
                master = true
                lazy-apps = yes
                env = A=1
                stop-signal = SIGINT
                reload-mercy = 2.5
                log-maxsize = 10M
                umask = 022
                heartbeat = 5
                for = a b
                env = X_%(_)=1
                endfor =
                """)).isEmpty(); // port defines the %(port) placeholder: no setting, and no typo
    }

    @Test
    void everyProblemHasFileAndLineAndASpecificMessage() throws Exception {
        Path file = write("bad.ini", """
                [vassal]
                comand = run
                processes = many
                master = maybe
                log-maxsize = ten
                stop-signal = SIGNOPE
                umask = 999
                throttle = 10
                env = not-a-pair
                this line is not an option
                = orphan value
                """);
        List<ConfigError> errors = checker.checkVassal(new ConfigLoader(Map.of()).loadVassal(file));
        assertThat(errors).extracting(ConfigError::toString).containsExactly(
                file + ":1: missing 'command': say which program this vassal runs (only a [uwsgi] file may leave it out: it then runs under uwsgi)",
                file + ":2: unknown option 'comand' (did you mean 'command'?)",
                file + ":3: processes: expected a whole number, found 'many'",
                file + ":4: master: expected a boolean (true/false, yes/no, on/off, 1/0), found 'maybe'",
                file + ":5: log-maxsize: expected a size such as 10485760, 512K or 10M, found 'ten'",
                file + ":6: stop-signal: expected a signal such as SIGTERM, SIGINT, SIGQUIT, SIGHUP, found 'SIGNOPE'",
                file + ":7: umask: expected an octal mask such as 022, found '999'",
                file + ":8: 'throttle' is an emperor option and does nothing in a vassal file; set it in the emperor's configuration (emperor run --throttle, or its settings file)",
                file + ":9: env: expected KEY=VALUE, found 'not-a-pair'",
                file + ":10: 'this line is not an option' is not an option (expected 'key = value')",
                file + ":11: option name missing before '='");
    }

    @Test
    void farOffNamesGetNoSuggestion() throws Exception {
        assertThat(vassal("a.ini", "[vassal]\ncommand = x\nzzzzzzzz = 1\n"))
                .extracting(ConfigError::message).containsExactly("unknown option 'zzzzzzzz'");
    }

    @Test
    void aUwsgiFileMayHoldUwsgisOwnOptionsAndNoCommand() throws Exception {
        assertThat(vassal("u.ini", "[uwsgi]\nhttp-socket = :8080\nmodule = app:application\nenable-threads = true\n"
                + "stats = 127.0.0.1:9191\nemperor = /etc/sub\n")).isEmpty();
        // but our own vassal options are still checked
        assertThat(vassal("v.ini", "[uwsgi]\nprocesses = four\n")).extracting(ConfigError::message)
                .containsExactly("processes: expected a whole number, found 'four'");
    }

    @Test
    void theSameChecksInEveryFormat() throws Exception {
        assertThat(vassal("a.yaml", "vassal:\n  command: x\n  procesess: 2\n")).singleElement()
                .satisfies(e -> assertThat(e.origin().line()).isEqualTo(3))
                .satisfies(e -> assertThat(e.message()).contains("did you mean 'processes'"));
        assertThat(vassal("a.json", "{\"vassal\": {\"command\": \"x\", \"lazy-app\": true}}")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("did you mean 'lazy-apps'"));
        assertThat(vassal("a.xml", "<vassal>\n<command>x</command>\n<master>perhaps</master>\n</vassal>")).singleElement()
                .satisfies(e -> assertThat(e.origin().line()).isEqualTo(3));
    }

    @Test
    void lazyAppsInTheEmperorsFileSaysItIsNotInheritedAndHowToDoIt() throws Exception {
        Path file = write("emperor.ini", "[uwsgi]\nemperor = /etc/uwsgi/vassals\nlazy-apps = true\nmaster = true\n");
        List<ConfigError> errors = checker.checkEmperor(new ConfigLoader(Map.of()).loadEmperor(file));
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0).origin()).isEqualTo(new Origin(file, 3));
        assertThat(errors.get(0).message())
                .contains("'lazy-apps' is a vassal option")
                .contains("NOT inherited")
                .contains("vassal-set = lazy-apps=true")
                .contains("vassals-include = FILE")
                .contains("each vassal's own file");
    }

    @Test
    void anEmperorFileIsCheckedForItsOwnOptions() throws Exception {
        assertThat(emperor("e.ini", "[emperor]\nemperor = /srv/vassals\nemperor = /srv/more/*.ini\nthrottle = 500\n"
                + "max-throttle = 60000\nrescan = 2.5\nrequired-heartbeat = 30\nstats = 127.0.0.1:9191\n"
                + "vassal-set = lazy-apps=true\nvassals-include = common.ini\nverbose = true\nrun-dir = /run/emperor\n"
                + "state-dir = /var/lib/emperor\nstats-actions = true\n"))
                .isEmpty();
        assertThat(emperor("f.ini", "[emperor]\nthrotle = 5\nthrottle = soon\nvassal-set = nonsense\n"
                + "vassal-set = processes=many\nvassal-set = stats=x\n"))
                .extracting(ConfigError::message).containsExactly(
                        "unknown option 'throtle' (did you mean 'throttle'?)",
                        "throttle: expected a number >= 0, found 'soon'",
                        "vassal-set: expected KEY=VALUE, found 'nonsense'",
                        "vassal-set: processes: expected a whole number, found 'many'",
                        "vassal-set: 'stats' is an emperor option, not a vassal one");
    }

    @Test
    void theSchemaMatchesTheVassalModulesOptionsAndHasHelpForAll() {
        Schema schema = Schema.standard();
        assertThat(schema.options(Scope.VASSAL)).extracting(OptionSpec::name).containsExactlyInAnyOrder(
                "command", "shell", "processes", "master", "lazy-apps", "preload", "exec-pre", "exec-post-stop",
                "exec-timeout", "env", "chdir", "stop-signal",
                "reload-signal", "reload-mercy", "ready-after", "max-fast-failures", "touch-reload", "reload-on-rss",
                "logto", "log-maxsize", "log-timestamp", "log-journal", "uid", "gid", "umask", "limit-nofile", "limit-nproc", "limit-as", "limit-core",
                "heartbeat", "agent", "restart-on-deadlock", "heartbeat-grace");
        assertThat(schema.options(Scope.EMPEROR)).extracting(OptionSpec::name).containsExactlyInAnyOrder(
                "emperor", "run-dir", "state-dir", "stats", "stats-actions", "throttle", "max-throttle", "rescan",
                "required-heartbeat", "vassal-set", "vassals-include", "strict", "tyrant", "on-event", "on-event-timeout",
                "verbose");
        assertThat(schema.options()).allSatisfy(o -> assertThat(o.help()).isNotBlank());
        assertThat(schema.find("env")).get().extracting(OptionSpec::repeatable).isEqualTo(true);
        assertThat(schema.markdownTable()).contains("| `lazy-apps` | bool | vassal | `false` | `lazy-apps` |");
    }

    @Test
    void typesAcceptWhatTheVassalModuleAccepts() {
        assertThat(OptionType.BOOL.problem("")).isEmpty(); // uWSGI: the option alone means true
        assertThat(OptionType.BOOL.problem("Off")).isEmpty();
        assertThat(OptionType.BOOL.problem("y")).isPresent(); // uWSGI would read 'y' and 'n' both as true
        assertThat(OptionType.SIZE.problem("512k")).isEmpty();
        assertThat(OptionType.SIZE.problem("10MB")).isEmpty();
        assertThat(OptionType.DURATION.problem("0.5")).isEmpty();
        assertThat(OptionType.DURATION.problem("-1")).isPresent();
        assertThat(OptionType.SIGNAL.problem("term")).isEmpty();
        assertThat(OptionType.SIGNAL.problem("15")).isEmpty();
        assertThat(OptionType.SIGNAL.problem("99")).isPresent();
        assertThat(OptionType.OCTAL.problem("0777")).isEmpty();
        assertThat(OptionType.OCTAL.problem("1777")).isPresent();
        assertThat(OptionType.INT.problem(" 12 ")).isEmpty();
        assertThat(OptionType.PATH.problem("  ")).isPresent();
        assertThat(Schema.closest("procesess", List.of("processes", "preload"))).contains("processes");
        assertThat(Schema.editDistance("kitten", "sitting", 10)).isEqualTo(3);
    }

    @Test
    void booleansReadAsUwsgiReadsThemAndAnythingElseIsNamed() throws Exception {
        for (String yes : List.of("true", "TRUE", "yes", "Yes", "on", "ON", "1", "")) {
            assertThat(OptionType.parseBool(yes)).as(yes).contains(true);
        }
        for (String no : List.of("false", "False", "no", "NO", "off", "Off", "0")) {
            assertThat(OptionType.parseBool(no)).as(no).contains(false);
        }
        for (String neither : List.of("y", "n", "maybe", "2", "truee", "enabled")) {
            assertThat(OptionType.parseBool(neither)).as(neither).isEmpty();
        }
        Path file = write("b.ini", "[vassal]\ncommand = x\nagent = enabled\n");
        assertThat(checker.checkVassal(new ConfigLoader(Map.of()).loadVassal(file))).extracting(ConfigError::toString)
                .containsExactly(file + ":3: agent: expected a boolean (true/false, yes/no, on/off, 1/0), found 'enabled'");
    }

    @Test
    void uwsgiNamesAreAliasesOfTheSameOption() throws Exception {
        Schema schema = Schema.standard();
        assertThat(schema.find("emperor-throttle")).get().extracting(OptionSpec::name).isEqualTo("throttle");
        assertThat(schema.find("workers")).get().extracting(OptionSpec::name).isEqualTo("processes");
        assertThat(schema.find("max-fd")).get().extracting(OptionSpec::name).isEqualTo("limit-nofile");
        assertThat(emperor("u.ini", "[uwsgi]\nemperor = /srv/v\nemperor-throttle = 500\nemperor-tyrant = maybe\n"))
                .extracting(ConfigError::message)
                .containsExactly("emperor-tyrant: expected a boolean (true/false, yes/no, on/off, 1/0), found 'maybe'");
        assertThat(vassal("w.ini", "[vassal]\ncommand = x\nworkers = two\n")).extracting(ConfigError::message)
                .containsExactly("workers: expected a whole number, found 'two'");
    }

    @Test
    void fileLogicAndPlaceholdersAreNotUnknownOptions() throws Exception {
        write("common.ini", "[vassal]\nprocesses = 2\n");
        assertThat(vassal("logic.ini", """
                [vassal]
                ini = common.ini
                set = ready-after=0.5
                set-ph = base=/srv
                for = a b
                env = X_%(_)=1
                endfor =
                if-env = HOME
                env = H=%(_)
                endif =
                command = run --root %(base) --port %(port)
                port = 8080
                """)).isEmpty();
        // a name nothing refers to is still a typo
        assertThat(vassal("typo.ini", "[vassal]\ncommand = run\nprot = 8080\n")).extracting(ConfigError::message)
                .containsExactly("unknown option 'prot'");
    }

    @Test
    void oneEditDistanceForEverySuggestion() {
        Schema schema = Schema.standard();
        assertThat(schema.suggestion("mastr", Scope.VASSAL)).isEqualTo(" (did you mean 'master'?)");
        assertThat(schema.suggestion("ready_after", Scope.VASSAL)).isEqualTo(" (did you mean 'ready-after'?)");
        assertThat(schema.suggestion("throtle", Scope.EMPEROR)).isEqualTo(" (did you mean 'throttle'?)");
        assertThat(schema.suggestion("throtle", Scope.VASSAL)).isEmpty();
        assertThat(schema.suggestion("zzzzzzzz", Scope.VASSAL)).isEmpty();
        assertThat(schema.suggestion("emperor-throtle", Scope.EMPEROR)).isEqualTo(" (did you mean 'emperor-throttle'?)");
    }
}
