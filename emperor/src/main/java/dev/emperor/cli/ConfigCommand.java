package dev.emperor.cli;

import dev.emperor.config.ConfigError;
import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigFormat;
import dev.emperor.config.ConfigLoader;
import dev.emperor.config.ConfigLoader.LoadedConfig;
import dev.emperor.config.ConfigWriter;
import dev.emperor.config.schema.ConfigChecker;
import dev.emperor.monitor.FileRules;
import dev.emperor.vassal.VassalSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code emperor config check|show|convert}: what the emperor understands of a file. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Check, show or convert configuration files.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Show.class, ConfigCommand.Convert.class})
final class ConfigCommand {

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Exit 0 if every FILE is valid; else print FILE:LINE: message per problem and exit 1."
                    + " A file with an [emperor] section is checked as the emperor's settings, any other as a vassal.")
    static final class Check implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE")
        List<String> files;

        @Override
        public Integer call() {
            ConfigLoader loader = ConfigLoader.withSystemEnvironment();
            ConfigChecker checker = new ConfigChecker();
            int bad = 0;
            for (String file : files) {
                Set<String> problems = new LinkedHashSet<>(); // the schema and the vassal may say the same thing
                try {
                    LoadedConfig emperor = emperorSection(loader, file);
                    if (emperor != null) {
                        checker.checkEmperor(emperor).forEach(e -> problems.add(e.toString()));
                    } else {
                        LoadedConfig vassal = loader.load(file, ConfigLoader.VASSAL_SECTIONS);
                        checker.checkVassal(vassal).forEach(e -> problems.add(e.toString()));
                        if (problems.isEmpty()) {
                            String name = FileRules.vassalName(vassal.file()).orElse(vassal.file().getFileName().toString());
                            VassalSettings.from(name, vassal);
                        }
                    }
                } catch (ConfigException e) {
                    e.errors().forEach(err -> problems.add(err.toString()));
                }
                if (!problems.isEmpty()) {
                    bad++;
                    problems.forEach(System.out::println);
                }
            }
            return bad == 0 ? 0 : 1;
        }

        private static LoadedConfig emperorSection(ConfigLoader loader, String file) {
            try {
                LoadedConfig c = loader.load(file, List.of("emperor"));
                return "emperor".equals(c.section()) ? c : null;
            } catch (ConfigException e) {
                return null; // not an emperor file (or broken: the vassal check will say how)
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the parsed options of FILE, one 'key = value' per line, in order, after every"
                    + " expansion (compare with the block uwsgi --show-config prints).")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "FILE[:SECTION]")
        String target;

        @Override
        public Integer call() {
            try {
                List<String> sections = new ArrayList<>(ConfigLoader.VASSAL_SECTIONS);
                sections.add("emperor");
                System.out.print(ConfigLoader.withSystemEnvironment().load(target, sections).options().show());
                return 0;
            } catch (ConfigException e) {
                for (ConfigError error : e.errors()) System.err.println(error);
                return 1;
            }
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = "Write FILE in another format, includes and placeholders kept as written; read from the"
                    + " same folder, 'config show' of the result equals that of FILE.")
    static final class Convert implements Callable<Integer> {
        @Parameters(paramLabel = "FILE[:SECTION]")
        String target;

        @Option(names = "--to", required = true, paramLabel = "FORMAT", description = "ini, yaml, json or xml")
        String to;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here instead of stdout.")
        Path output;

        @Override
        public Integer call() throws IOException {
            ConfigFormat format;
            try {
                format = ConfigFormat.valueOf(to.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new EmperorCommand.UserError("--to: expected ini, yaml, json or xml, got '" + to + "'", 2);
            }
            try {
                List<String> sections = new ArrayList<>(ConfigLoader.VASSAL_SECTIONS);
                sections.add("emperor");
                // Unexpanded: includes, blocks and placeholders stay as written and expand the same
                // way when the result is read from the same folder.
                Path file = Path.of(target);
                String section = null;
                int colon = target.lastIndexOf(':');
                if (colon > 0 && !Files.exists(file)) {
                    section = target.substring(colon + 1);
                    file = Path.of(target.substring(0, colon));
                }
                LoadedConfig config = ConfigLoader.withSystemEnvironment().loadUnexpanded(file, section, sections);
                String text = ConfigWriter.write(config.options(), format, config.section());
                if (output == null) {
                    System.out.print(text);
                } else {
                    Files.writeString(output, text);
                }
                return 0;
            } catch (ConfigException e) {
                for (ConfigError error : e.errors()) System.err.println(error);
                return 1;
            }
        }
    }
}
