package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The config tools as a user meets them, through the packaged jar: {@code config options},
 * the warnings of {@code config check}, {@code config convert}, and a {@code [vassal]} file
 * that uses includes, {@code set} and {@code for} run by the emperor.
 */
class ConfigToolsTest extends EmperorTestBase {

    record Result(int code, String out, String err) {
    }

    private Result cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(EmperorProcess.javaBinary().toString(), "-jar",
                EmperorProcess.jar().toString()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile(tmp, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("emperor " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), out, Files.readString(err));
    }

    @Test
    void optionsPrintsTheTableTheDocsShow() throws Exception {
        Result table = cli("config", "options");
        Result markdown = cli("config", "options", "--markdown");

        assertThat(table.code()).isZero();
        assertThat(table.out().lines().filter(l -> l.startsWith("processes ")).findFirst()).get().asString()
                .contains("int").contains("vassal").contains("workers").contains("number of worker processes");
        assertThat(table.out()).contains("emperor-throttle").contains("verbose ").contains("lazy-apps ");
        assertThat(markdown.code()).isZero();
        // the e2e module runs in src/test: the docs are two levels up
        assertThat(Files.readString(Path.of("..", "..", "docs", "config.md"))).contains(markdown.out());
    }

    @Test
    void checkWarnsOfAProgramThatIsNotThereWithFileAndLine() throws Exception {
        Path missing = Files.writeString(tmp.resolve("missing.ini"), "[vassal]\nprocesses = 2\ncommand = no-such-program-"
                + marker + " --serve\n");
        Path shell = Files.writeString(tmp.resolve("stamp.ini"), "[vassal]\nshell = true\ncommand = date +%T >> stamps\n");
        Path fine = Files.writeString(tmp.resolve("fine.ini"), "[vassal]\ncommand = sleep 1\n");

        Result r = cli("config", "check", missing.toString(), shell.toString(), fine.toString());
        Result strict = cli("config", "check", "--fail-on-warnings", missing.toString());

        assertThat(r.code()).as("warnings alone keep exit status 0").isZero();
        assertThat(r.out()).contains(missing + ":3: warning: command: program 'no-such-program-" + marker + "' not found")
                .contains(shell + ":3: warning: command: uWSGI's %-expansion changes this shell command")
                .contains("'%T'").contains("write %% for a literal %").doesNotContain(fine.toString());
        assertThat(strict.code()).isEqualTo(1);
        assertThat(cli("config", "check", fine.toString())).isEqualTo(new Result(0, "", ""));
    }

    @Test
    void convertKeepsWhatTheUserWroteAndWritesListsNotDuplicateKeys() throws Exception {
        Path original = Files.writeString(tmp.resolve("app.ini"), "[vassal]\nchdir = %d\ncommand = sleep %(secs)\n"
                + "secs = 30\nenv = A=1\nenv = B=2\nprocesses = 2\nenv = C=3\n");
        Result json = cli("config", "convert", original.toString(), "--to", "json");
        Result yaml = cli("config", "convert", original.toString(), "--to", "yaml");

        assertThat(json.code()).isZero();
        // a JSON reader that refuses duplicate keys reads it, and sees what the user wrote
        JsonNode doc = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()
                .readTree(json.out()).path("vassal");
        assertThat(doc.path("chdir").asText()).isEqualTo("%d");
        assertThat(doc.path("command").asText()).isEqualTo("sleep %(secs)");
        assertThat(doc.path("env").isArray()).isTrue();
        assertThat(doc.path("env")).extracting(JsonNode::asText).containsExactly("A=1", "B=2", "C=3");
        assertThat(yaml.out()).isEqualTo("vassal:\n  chdir: \"%d\"\n  command: sleep %(secs)\n  secs: 30\n  env:\n"
                + "    - A=1\n    - B=2\n    - C=3\n  processes: 2\n");
        // next to the original, the converted file means the same
        Path converted = Files.writeString(tmp.resolve("app.json"), json.out());
        assertThat(cli("config", "show", converted.toString()).out().lines())
                .as("the same options; the list gathers env where it first appears")
                .containsExactlyInAnyOrderElementsOf(cli("config", "show", original.toString()).out().lines().toList());
    }

    @Test
    void convertRefusesAnInvalidFileWithExitStatusOne() throws Exception {
        Path broken = Files.writeString(tmp.resolve("broken.ini"), "[vassal]\ncommand = run\nini = not-there.ini\n");
        Path wrong = Files.writeString(tmp.resolve("wrong.ini"), "[vassal]\ncommand = run\nprocesses = many\n");

        for (Path file : List.of(broken, wrong)) {
            Result r = cli("config", "convert", file.toString(), "--to", "yaml");
            assertThat(r.code()).as(file.toString()).isEqualTo(1);
            assertThat(r.out()).as("nothing converted").isEmpty();
            assertThat(r.err()).contains(file + ":3: ").contains("nothing converted");
        }
    }

    @Test
    void aVassalFileWithAnIncludeSetAndAForBlockRuns() throws Exception {
        Files.writeString(tmp.resolve("common.ini"), "[vassal]\nprocesses = 2\n");
        writeVassal("blocks.ini", "[vassal]\nini = %d../common.ini\nset = ready-after=0.2\nfor = a b\n"
                + "env = X_%(_)=%(_)\nendfor =\ncommand = sleep " + marker + "\n");
        assertThat(cli("config", "check", vassals.resolve("blocks.ini").toString()).code()).isZero();

        EmperorProcess emperor = emperor();
        emperor.awaitState("blocks", "running");
        List<Long> pids = emperor.pids("blocks");
        assertThat(pids).hasSize(2);
        String environ = Files.readString(Path.of("/proc", pids.get(0).toString(), "environ"));
        assertThat(environ.split("\0")).contains("X_a=a", "X_b=b");
    }
}
