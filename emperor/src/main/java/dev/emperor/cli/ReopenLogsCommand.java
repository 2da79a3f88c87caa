package dev.emperor.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code emperor reopen-logs}: every running worker's log file is opened again at its next
 * line, as SIGUSR1 does (for logrotate, which renames the files). A renamed or removed log is
 * also noticed by itself within a second of the next line written to it.
 */
@Command(name = "reopen-logs", mixinStandardHelpOptions = true,
        description = "Reopen every running worker's log at its next line (after logrotate renamed them).")
final class ReopenLogsCommand implements Callable<Integer> {

    @Mixin
    EmperorLocator emperor = new EmperorLocator();

    @Override
    public Integer call() {
        String answer = emperor.ask("reopen-logs");
        System.out.print(answer);
        return answer.startsWith("error") ? 1 : 0;
    }
}
