package dev.emperor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A call that names one verb builds only that verb's command, and the user cannot tell: same
 * usage, same errors, same exit codes as the full tree; anything else gets the full tree.
 */
class EmperorCommandTest {

    @Test
    void aVerbGetsOnlyItsOwnCommandUnderARootNamedEmperor() {
        CommandLine cli = EmperorCommand.commandLine(new String[] {"status", "web"});
        assertThat(cli.getCommandName()).isEqualTo("emperor");
        assertThat(cli.getSubcommands().keySet()).containsExactly("status");
        assertThat(cli.getSubcommands().get("status").getCommandSpec().qualifiedName()).isEqualTo("emperor status");
    }

    @Test
    void noVerbAnUnknownOneOrHelpGetTheFullTree() {
        Set<String> all = new CommandLine(new EmperorCommand()).getSubcommands().keySet();
        for (String[] args : new String[][] {{}, {"--version"}, {"--help"}, {"help", "status"}, {"nope"}}) {
            assertThat(EmperorCommand.commandLine(args).getSubcommands().keySet()).as(String.join(" ", args))
                    .isEqualTo(all);
        }
    }

    @Test
    void usageAndErrorsOfAVerbAreThoseOfTheFullTree() {
        for (String[] args : new String[][] {{"status", "--help"}, {"status", "--bogus"}, {"reload"},
                {"reload", "a", "--all"}}) {
            Result lean = run(EmperorCommand.commandLine(args), args);
            Result full = run(new CommandLine(new EmperorCommand()), args);
            assertThat(lean).as(String.join(" ", args)).isEqualTo(full);
        }
    }

    @Test
    void aVerbStillAnswersWithItsExitCodeWhenNoEmperorIsThere(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("run"));
        String[] args = {"status", "--run-dir", dir.resolve("run").toString()};
        Result lean = run(EmperorCommand.commandLine(args), args);
        assertThat(lean.code()).isNotZero();
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(CommandLine cli, String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
