package dev.emperor.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code emperor stop NAME}: the vassal stops gracefully and stays stopped (shown as
 * {@code stopped} in status) whatever happens to its file, and across emperor restarts, until
 * {@code emperor start NAME}.
 */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop one vassal gracefully and keep it stopped (across touches of its file and emperor"
                + " restarts) until 'emperor start NAME'.")
final class StopCommand implements Callable<Integer> {

    @Parameters(paramLabel = "NAME", description = "The vassal to stop.")
    String name;

    @Mixin
    EmperorLocator emperor = new EmperorLocator();

    @Override
    public Integer call() {
        System.out.print(emperor.ask("stop " + name)); // "error: ..." (no such vassal) exits 1
        return 0;
    }
}
