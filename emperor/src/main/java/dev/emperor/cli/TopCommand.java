package dev.emperor.cli;

import dev.emperor.cli.top.Style;
import dev.emperor.cli.top.Terminal;
import dev.emperor.cli.top.TopLoop;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code emperor top [NAME]}: a live view of the vassals and their workers, refreshed in place. */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = {"A live view of every vassal (or one) and its workers: state, workers, restarts, uptime,"
                + " CPU, memory, heap and heartbeat age, refreshed in place.",
                "Keys: up/down or j/k select, Enter or space expands a vassal to its workers, s changes the sort"
                        + " (name, state, cpu, rss, restarts), q quits.",
                "When stdout is not a terminal, prints one frame and exits."})
final class TopCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "NAME", description = "Only this vassal, expanded to its workers.")
    String name;

    @Option(names = {"-d", "--delay"}, paramLabel = "SECONDS", defaultValue = "1",
            description = "Seconds between refreshes (default: ${DEFAULT-VALUE}).")
    double delay;

    @Mixin
    EmperorLocator emperor = new EmperorLocator();

    @Override
    public Integer call() throws InterruptedException {
        if (!(delay >= 0.1 && delay <= 3600)) {
            throw new EmperorCommand.UserError("-d wants seconds between 0.1 and 3600, not " + delay, 2);
        }
        Map<String, String> env = System.getenv();
        PrintStream out = System.out;
        Charset charset = out.charset();
        Terminal terminal = new Terminal(env, out);
        Style style = Style.detect(env, charset);
        if (!terminal.stdoutIsTerminal()) style = new Style(false, style.ellipsis()); // no escapes in a file
        TopLoop loop = new TopLoop(this::fetch, name, Duration.ofMillis(Math.round(delay * 1000)), terminal, style);
        return loop.run(out, System.err, Terminal.positive(env.get("COLUMNS"), 80));
    }

    /** The status document; when no emperor answers, why (top shows it and keeps asking). */
    private String fetch() throws IOException {
        try {
            return emperor.ask("status");
        } catch (EmperorCommand.UserError e) {
            throw new IOException(e.getMessage());
        }
    }
}
