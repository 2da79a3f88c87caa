package dev.emperor.cli;

import java.io.IOException;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/** {@code emperor}: the entry point. Each subcommand is one job. */
@Command(name = "emperor", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Supervises the apps described by the files in a directory: add a file and its app runs,"
                + " edit or touch it and the app reloads, delete it and the app stops.",
        subcommands = {RunCommand.class, StatusCommand.class, ReloadCommand.class, RestartCommand.class,
                StartCommand.class, StopCommand.class, LogsCommand.class, TopCommand.class, ReopenLogsCommand.class, CheckCommand.class,
                ConfigCommand.class,
                CommandLine.HelpCommand.class})
public final class EmperorCommand {

    public static void main(String[] args) throws IOException {
        if (Boolean.getBoolean(CdsTraining.PROPERTY)) {
            CdsTraining.run();
            return;
        }
        CommandLine cli = commandLine(args);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof UserError u) {
                commandLine.getErr().println("emperor: " + u.getMessage());
                return u.exitCode();
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }

    /**
     * The command line for {@code args}. picocli builds its model of a command by reflection,
     * for every subcommand at once, and that is most of a client call's start-up (bench/cli/):
     * when {@code args} name one subcommand, only that one is built, under a root of the same
     * name, so its usage, errors and exit codes are those of the full tree. Anything else (no
     * verb, an unknown one, {@code help}, {@code --help}, {@code --version}) gets the full tree.
     */
    static CommandLine commandLine(String[] args) {
        Command root = EmperorCommand.class.getAnnotation(Command.class);
        if (args.length > 0) {
            for (Class<?> sub : root.subcommands()) {
                Command c = sub.getAnnotation(Command.class);
                if (c == null || sub == CommandLine.HelpCommand.class) continue;
                if (c.name().equals(args[0]) || Arrays.asList(c.aliases()).contains(args[0])) {
                    return new CommandLine(CommandSpec.create().name(root.name())).addSubcommand(sub);
                }
            }
        }
        return new CommandLine(new EmperorCommand());
    }

    /** A mistake on the command line or in the environment: a message, no stack trace. */
    static final class UserError extends RuntimeException {
        private final int exitCode;

        UserError(String message, int exitCode) {
            super(message, null, false, false);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }
}
