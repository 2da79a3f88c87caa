package dev.emperor.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code emperor reload [NAME | --all | --emperor]}: a graceful reload through the running
 * emperor. With no argument, the emperor's own settings (what SIGHUP and {@code systemctl
 * reload} do): only vassals whose effective settings changed reload.
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = "Gracefully reload one vassal, or all; with no argument (or --emperor), re-read the emperor's"
                + " own settings and reload only the vassals they change (as SIGHUP and 'systemctl reload' do).")
final class ReloadCommand implements Callable<Integer> {

    @ArgGroup(multiplicity = "0..1")
    Target target;

    static final class Target {
        @Parameters(paramLabel = "NAME", description = "The vassal to reload.")
        String name;

        @Option(names = "--all", description = "Reload every vassal.")
        boolean all;

        @Option(names = "--emperor", description = "Re-read the emperor's settings (the default).")
        boolean emperor;
    }

    @Mixin
    EmperorLocator emperor = new EmperorLocator();

    @Override
    public Integer call() {
        String request = target == null || target.emperor ? "reload-emperor"
                : target.all ? "reload-all" : "reload " + target.name;
        String answer = emperor.ask(request); // "error: ..." exits 1
        System.out.print(answer);
        return answer.startsWith("no vassal") ? 1 : 0;
    }
}
