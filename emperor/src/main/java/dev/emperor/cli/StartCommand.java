package dev.emperor.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code emperor start NAME}: undoes {@code emperor stop NAME}; the vassal starts at once. */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Start a vassal stopped with 'emperor stop NAME' again.")
final class StartCommand implements Callable<Integer> {

    @Parameters(paramLabel = "NAME", description = "The vassal to start.")
    String name;

    @Mixin
    EmperorLocator emperor = new EmperorLocator();

    @Override
    public Integer call() {
        System.out.print(emperor.ask("start " + name)); // "error: ..." (no such vassal) exits 1
        return 0;
    }
}
