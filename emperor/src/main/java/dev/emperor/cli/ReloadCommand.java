package dev.emperor.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code emperor reload NAME | --all}: graceful reload through the running emperor. */
@Command(name = "reload", mixinStandardHelpOptions = true, description = "Gracefully reload one vassal, or all.")
final class ReloadCommand implements Callable<Integer> {

    @ArgGroup(multiplicity = "1")
    Target target;

    static final class Target {
        @Parameters(paramLabel = "NAME", description = "The vassal to reload.")
        String name;

        @Option(names = "--all", description = "Reload every vassal.")
        boolean all;
    }

    @Mixin
    EmperorLocator emperor = new EmperorLocator();

    @Override
    public Integer call() {
        String answer = emperor.ask(target.all ? "reload-all" : "reload " + target.name);
        System.out.print(answer);
        return answer.startsWith("no vassal") ? 1 : 0;
    }
}
