package dev.emperor.cli;

import picocli.CommandLine.Command;

/**
 * {@code emperor stop NAME}: the vassal stops gracefully and stays stopped (shown as
 * {@code stopped} in status) whatever happens to its file, and across emperor restarts, until
 * {@code emperor start NAME}.
 */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop one vassal gracefully and keep it stopped (across touches of its file and emperor"
                + " restarts) until 'emperor start NAME'.")
final class StopCommand extends OneVassalVerb {

    @Override
    String verb() {
        return "stop";
    }
}
