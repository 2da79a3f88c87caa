package dev.emperor.cli;

import dev.emperor.config.ConfigError;
import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader;
import dev.emperor.monitor.FileRules;
import dev.emperor.vassal.VassalSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code emperor config check|show}: what the emperor understands of a file. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Check or show vassal files.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Show.class})
final class ConfigCommand {

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Exit 0 if every FILE is a valid vassal; else print FILE:LINE: message per problem.")
    static final class Check implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE")
        List<Path> files;

        @Override
        public Integer call() {
            ConfigLoader loader = ConfigLoader.withSystemEnvironment();
            int bad = 0;
            for (Path file : files) {
                try {
                    String name = FileRules.vassalName(file).orElse(file.getFileName().toString());
                    VassalSettings.from(name, loader.loadVassal(file));
                } catch (ConfigException e) {
                    bad++;
                    for (ConfigError error : e.errors()) System.out.println(error);
                }
            }
            return bad == 0 ? 0 : 1;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the parsed options of FILE, one 'key = value' per line, after expansion.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "FILE[:SECTION]")
        String target;

        @Override
        public Integer call() {
            Path file = Path.of(target);
            List<String> sections = ConfigLoader.VASSAL_SECTIONS;
            int colon = target.lastIndexOf(':');
            if (!Files.exists(file) && colon > 0) {
                file = Path.of(target.substring(0, colon));
                sections = List.of(target.substring(colon + 1));
            }
            try {
                System.out.print(ConfigLoader.withSystemEnvironment().load(file, sections).options().show());
                return 0;
            } catch (ConfigException e) {
                for (ConfigError error : e.errors()) System.err.println(error);
                return 1;
            }
        }
    }
}
