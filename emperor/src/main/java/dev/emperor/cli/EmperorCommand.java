package dev.emperor.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code emperor}: the entry point. Each subcommand is one job. */
@Command(name = "emperor", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Supervises the apps described by the files in a directory: add a file and its app runs,"
                + " edit or touch it and the app reloads, delete it and the app stops.",
        subcommands = {RunCommand.class, StatusCommand.class, ReloadCommand.class, RestartCommand.class,
                StartCommand.class, StopCommand.class, LogsCommand.class, TopCommand.class, ReopenLogsCommand.class, CheckCommand.class,
                ConfigCommand.class,
                CommandLine.HelpCommand.class})
public final class EmperorCommand {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new EmperorCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof UserError u) {
                commandLine.getErr().println("emperor: " + u.getMessage());
                return u.exitCode();
            }
            throw e;
        });
        System.exit(cli.execute(args));
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
