package dev.emperor.cli;

import dev.emperor.config.ConfigError;
import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigFormat;
import dev.emperor.config.ConfigLoader;
import dev.emperor.config.ConfigLoader.LoadedConfig;
import dev.emperor.config.ConfigWriter;
import dev.emperor.config.OptionValue;
import dev.emperor.config.Origin;
import dev.emperor.config.schema.CommandCheck;
import dev.emperor.config.schema.ConfigChecker;
import dev.emperor.config.schema.Schema;
import dev.emperor.monitor.FileRules;
import dev.emperor.vassal.VassalSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code emperor config check|show|convert|options}: what the emperor understands of a file. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Check, show or convert configuration files;"
        + " list the options.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Show.class, ConfigCommand.Convert.class,
            ConfigCommand.Options.class})
final class ConfigCommand {

    /** What check found in one file: errors make it invalid, warnings say what will likely go wrong when it runs. */
    record Findings(Set<String> errors, Set<String> warnings) {
    }

    /**
     * Every problem of one file, as {@code FILE:LINE: message} lines. A file with an
     * {@code [emperor]} section is checked as the emperor's settings, any other as a vassal.
     */
    static Findings check(ConfigLoader loader, String file) {
        Set<String> errors = new LinkedHashSet<>(); // the schema and the vassal may say the same thing
        Set<String> warnings = new LinkedHashSet<>();
        ConfigChecker checker = new ConfigChecker();
        try {
            LoadedConfig emperor = emperorSection(loader, file);
            if (emperor != null) {
                checker.checkEmperor(emperor).forEach(e -> errors.add(e.toString()));
            } else {
                LoadedConfig vassal = loader.load(file, ConfigLoader.VASSAL_SECTIONS);
                checker.checkVassal(vassal).forEach(e -> errors.add(e.toString()));
                if (errors.isEmpty()) {
                    String name = FileRules.vassalName(vassal.file()).orElse(vassal.file().getFileName().toString());
                    VassalSettings settings = VassalSettings.from(name, vassal);
                    warnings(loader, file, vassal, settings).forEach(w -> warnings.add(w.toString()));
                }
            }
        } catch (ConfigException e) {
            e.errors().forEach(err -> errors.add(err.toString()));
        }
        return new Findings(errors, warnings);
    }

    /** What would fail only when the vassal runs: a program that is not there, a directory missing, a % the shell never sees. */
    private static List<ConfigError> warnings(ConfigLoader loader, String file, LoadedConfig vassal,
                                              VassalSettings settings) {
        List<ConfigError> out = new ArrayList<>();
        Optional<OptionValue> command = vassal.options().last("command");
        Origin at = command.map(OptionValue::origin).orElse(new Origin(vassal.file(), 1));
        boolean shell = settings.argv().size() == 3 && settings.argv().get(0).equals("/bin/sh")
                && settings.argv().get(1).equals("-c") && command.isPresent()
                && command.get().value().equals(settings.argv().get(2));
        if (!Files.isDirectory(settings.directory())) {
            Origin chdir = vassal.options().last("chdir").map(OptionValue::origin).orElse(at);
            out.add(warning(chdir, "chdir: directory " + settings.directory() + " does not exist"));
        } else if (!shell) {
            String path = settings.environment().getOrDefault("PATH", System.getenv().getOrDefault("PATH", ""));
            CommandCheck.program(settings.argv().get(0), settings.directory(), path)
                    .ifPresent(p -> out.add(warning(at, (command.isPresent() ? "command: " : "a [uwsgi] file without"
                            + " 'command' runs uwsgi: ") + p + "; the emperor would retry it with backoff and then mark"
                            + " the vassal failed")));
        }
        if (shell) {
            try {
                Path p = Path.of(file);
                int colon = file.lastIndexOf(':');
                String section = null;
                if (colon > 0 && !Files.exists(p)) {
                    section = file.substring(colon + 1);
                    p = Path.of(file.substring(0, colon));
                }
                // the command as written in this file (it may come from an include: then there is nothing to compare)
                loader.loadAsWritten(p, section, List.of(vassal.section())).options().last("command")
                        .filter(w -> w.origin().line() == at.line())
                        .ifPresent(w -> {
                            List<String> seqs = CommandCheck.magicInShellText(w.value());
                            if (!seqs.isEmpty()) out.add(warning(at, CommandCheck.shellMagicWarning("command", seqs)));
                        });
            } catch (ConfigException e) {
                // its text parses only after magic: nothing to say about the shell's view of it
            }
        }
        return out;
    }

    private static ConfigError warning(Origin origin, String message) {
        return new ConfigError(origin, "warning: " + message);
    }

    private static LoadedConfig emperorSection(ConfigLoader loader, String file) {
        try {
            LoadedConfig c = loader.load(file, List.of("emperor"));
            return "emperor".equals(c.section()) ? c : null;
        } catch (ConfigException e) {
            return null; // not an emperor file (or broken: the vassal check will say how)
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Exit 0 if every FILE is valid; else print FILE:LINE: message per problem and exit 1."
                    + " A file with an [emperor] section is checked as the emperor's settings, any other as a vassal."
                    + " Warnings (FILE:LINE: warning: ...: a program not found, a % the shell never sees) are printed"
                    + " too and do not change the exit status unless --fail-on-warnings.")
    static final class Check implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE")
        List<String> files;

        @Option(names = "--fail-on-warnings", description = "Exit 1 when there are warnings too.")
        boolean failOnWarnings;

        @Override
        public Integer call() {
            ConfigLoader loader = ConfigLoader.withSystemEnvironment();
            int bad = 0;
            for (String file : files) {
                Findings f = check(loader, file);
                f.errors().forEach(System.out::println);
                f.warnings().forEach(System.out::println);
                if (!f.errors().isEmpty() || failOnWarnings && !f.warnings().isEmpty()) bad++;
            }
            return bad == 0 ? 0 : 1;
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
            description = "Write FILE in another format as written: includes, blocks, placeholders and magic variables"
                    + " are kept; read from the same folder with the same base name, 'config show' of the result"
                    + " equals that of FILE (YAML and JSON gather a repeated key into one list). An invalid FILE is"
                    + " not converted: its problems are printed and the exit status is 1 (a file without 'command',"
                    + " such as an include, may be converted).")
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
            ConfigLoader loader = ConfigLoader.withSystemEnvironment();
            // an include or template need not say which command runs: only that is forgiven here
            List<String> errors = check(loader, target).errors().stream()
                    .filter(e -> !e.contains(": missing 'command': ")).toList();
            if (!errors.isEmpty()) {
                errors.forEach(System.err::println);
                System.err.println("emperor: " + target + " is not valid; nothing converted");
                return 1;
            }
            try {
                List<String> sections = new ArrayList<>(ConfigLoader.VASSAL_SECTIONS);
                sections.add("emperor");
                Path file = Path.of(target);
                String section = null;
                int colon = target.lastIndexOf(':');
                if (colon > 0 && !Files.exists(file)) {
                    section = target.substring(colon + 1);
                    file = Path.of(target.substring(0, colon));
                }
                LoadedConfig config = loader.loadUnexpanded(file, section, sections);
                String text = ConfigWriter.writeSource(config.options(), format, config.section());
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

    @Command(name = "options", mixinStandardHelpOptions = true,
            description = "Print every option Emperor knows: name, type, scope (vassal or emperor), default, uWSGI's"
                    + " name for it (also accepted) and what it does.")
    static final class Options implements Callable<Integer> {
        @Option(names = "--markdown", description = "Print the table of docs/config.md instead.")
        boolean markdown;

        @Override
        public Integer call() {
            Schema schema = Schema.standard();
            System.out.print(markdown ? schema.markdownTable() : schema.textTable());
            return 0;
        }
    }
}
