package dev.emperor.cli;

import picocli.CommandLine.Command;

/**
 * {@code emperor restart NAME}: every live worker of the vassal gets its stop signal and is
 * started again (not a graceful reload; {@code emperor reload NAME} is that).
 */
@Command(name = "restart", mixinStandardHelpOptions = true,
        description = "Stop every worker of one vassal and start them again (use reload for a graceful one).")
final class RestartCommand extends OneVassalVerb {

    @Override
    String verb() {
        return "restart";
    }
}
