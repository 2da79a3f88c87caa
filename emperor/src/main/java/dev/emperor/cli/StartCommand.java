package dev.emperor.cli;

import picocli.CommandLine.Command;

/** {@code emperor start NAME}: undoes {@code emperor stop NAME}; the vassal starts at once. */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Start a vassal stopped with 'emperor stop NAME' again.")
final class StartCommand extends OneVassalVerb {

    @Override
    String verb() {
        return "start";
    }
}
