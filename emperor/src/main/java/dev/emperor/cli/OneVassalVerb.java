package dev.emperor.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * A verb that names one vassal and is answered by the control socket in one line
 * ({@code restart}, {@code stop}, {@code start}): the answer is printed as it comes, and an
 * {@code error: ...} answer (no such vassal, not running) exits 1.
 */
abstract class OneVassalVerb implements Callable<Integer> {

    @Parameters(paramLabel = "NAME", description = "The vassal's name.")
    String name;

    @Mixin
    EmperorLocator emperor = new EmperorLocator();

    /** The control socket's request word. */
    abstract String verb();

    @Override
    public Integer call() {
        System.out.print(emperor.ask(verb() + " " + name));
        return 0;
    }
}
