package dev.emperor.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code emperor check FILE...}: the same as {@code emperor config check FILE...}, under the name operators type. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Exit 0 if every FILE is valid; else print FILE:LINE: message per problem and exit 1"
                + " (the same as 'emperor config check').")
final class CheckCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE")
    List<String> files = new ArrayList<>();

    @Option(names = "--fail-on-warnings", description = "Exit 1 when there are warnings too.")
    boolean failOnWarnings;

    @Override
    public Integer call() {
        ConfigCommand.Check check = new ConfigCommand.Check();
        check.files = files;
        check.failOnWarnings = failOnWarnings;
        return check.call();
    }
}
