package dev.emperor.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code emperor restart NAME}: every live worker of the vassal gets its stop signal and is
 * started again (not a graceful reload; {@code emperor reload NAME} is that).
 */
@Command(name = "restart", mixinStandardHelpOptions = true,
        description = "Stop every worker of one vassal and start them again (use reload for a graceful one).")
final class RestartCommand implements Callable<Integer> {

    @Parameters(paramLabel = "NAME", description = "The vassal to restart.")
    String name;

    @Mixin
    EmperorLocator emperor = new EmperorLocator();

    @Override
    public Integer call() {
        System.out.print(emperor.ask("restart " + name)); // "error: ..." (no such vassal, not running) exits 1
        return 0;
    }
}
