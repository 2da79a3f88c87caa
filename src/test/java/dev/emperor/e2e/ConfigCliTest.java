package dev.emperor.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code emperor config ...} and the emperor's own settings, through the packaged jar. */
class ConfigCliTest extends EmperorTestBase {

    record Result(int code, String out) {
    }

    private Result cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(EmperorProcess.javaBinary().toString(), "-jar",
                EmperorProcess.jar().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("emperor " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), out);
    }

    @Test
    void checkNamesEveryProblemWithFileAndLine() throws Exception {
        Path good = Files.writeString(tmp.resolve("good.ini"), "[vassal]\ncommand = sleep 1\nprocesses = 2\n");
        Path bad = Files.writeString(tmp.resolve("bad.yaml"), "vassal:\n  comand: sleep 1\n  processes: many\n");

        assertThat(cli("config", "check", good.toString())).isEqualTo(new Result(0, ""));
        Result r = cli("config", "check", good.toString(), bad.toString());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains(bad + ":2: unknown option 'comand' (did you mean 'command'?)")
                .contains(bad + ":3:").contains("processes").doesNotContain(good.toString());
    }

    @Test
    void aVassalOptionInTheEmperorsFileIsRefusedWithTheWayToDoIt() throws Exception {
        Path settings = Files.writeString(tmp.resolve("emperor.ini"), "[emperor]\nemperor = " + vassals
                + "\nlazy-apps = true\n");

        Result check = cli("config", "check", settings.toString());
        Result run = cli("run", "--run-dir", runDir.toString(), "--ini", settings.toString());

        assertThat(check.code()).isEqualTo(1);
        assertThat(check.out()).contains(settings + ":3: 'lazy-apps' is a vassal option")
                .contains("NOT inherited").contains("vassal-set = lazy-apps=true");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.out()).contains("NOT inherited");
    }

    @Test
    void convertWritesAFileThatShowsTheSame() throws Exception {
        Path original = Files.writeString(tmp.resolve("app.ini"), "[vassal]\nbase = /srv/%n\nchdir = %(base)\n"
                + "command = python3 -m http.server 8000\nenv = A=1\nenv = B=50%%\nprocesses = 2\n");
        Result shown = cli("config", "show", original.toString());
        assertThat(shown.code()).isZero();
        assertThat(shown.out()).contains("chdir = /srv/app\n").contains("env = B=50%\n");

        for (String format : List.of("yaml", "json", "xml", "ini")) {
            // with the original's base name (convert keeps %n as written); the ini copy in a folder of its own
            Path converted = format.equals("ini") ? Files.createDirectories(tmp.resolve("again")).resolve("app.ini")
                    : tmp.resolve("app." + format);
            assertThat(cli("config", "convert", original.toString(), "--to", format, "-o", converted.toString()).code())
                    .isZero();
            assertThat(cli("config", "show", converted.toString()).out()).as(format).isEqualTo(shown.out());
        }
    }

    @Test
    void vassalSetGivesEveryVassalADefaultItsOwnFileCanOverride() throws Exception {
        Path settings = Files.writeString(tmp.resolve("emperor.yaml"), "emperor:\n  emperor: " + vassals
                + "\n  vassal-set: [processes=2, ready-after=0.2]\n");
        writeVassal("plain.ini", "[vassal]\ncommand = sleep " + marker + "\n");
        writeVassal("own.ini", "[vassal]\ncommand = sleep " + marker + "\nprocesses = 3\n");

        EmperorProcess emperor = EmperorProcess.start(vassals, runDir, "--yaml", settings.toString());
        try {
            emperor.awaitState("plain", "running");
            emperor.awaitState("own", "running");
            assertThat(emperor.pids("plain")).hasSize(2);
            assertThat(emperor.pids("own")).hasSize(3);
        } finally {
            emperor.close();
        }
    }
}
