package dev.emperor.cli.top;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import sun.misc.Signal;

/**
 * {@code emperor top}'s loop. Three sources feed one queue that the main thread drains, so
 * that a slow or hung emperor never blocks the keys (q always quits): a fetcher asking the
 * emperor every interval, a reader of key presses, and SIGWINCH. Every event redraws the
 * screen at the terminal's current size.
 */
public final class TopLoop {

    /** Where the status document comes from: the control socket, in practice. */
    @FunctionalInterface
    public interface StatusSource {
        /** The status JSON; an IOException whose message says why there is none. */
        String fetch() throws IOException;
    }

    private sealed interface Event {
        record Pressed(Key key) implements Event {
        }

        record Answer(Snapshot snapshot) implements Event {
        }

        record Failed(String message) implements Event {
        }

        record Resized() implements Event {
        }

        /** Once an interval, whatever the fetcher does: notices an emperor that takes too long. */
        record Tick() implements Event {
        }
    }

    /** An answer this late (and never sooner than {@link #SLOW}) is reported on screen while top waits on. */
    private static final Duration SLOW = Duration.ofSeconds(5);

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StatusSource source;
    private final String filter;
    private final Duration interval;
    private final Terminal terminal;
    private final Layout layout;
    private final StatusReader reader = new StatusReader(new CpuMeter());
    private final View view = new View();
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

    private Snapshot snapshot;
    private Layout.Problem problem;
    /** When the fetcher sent the request it still waits for, in System.nanoTime; 0 while it sleeps. */
    private volatile long askedAt;

    /** {@code filter}: the one vassal to show (expanded), or null for all. */
    public TopLoop(StatusSource source, String filter, Duration interval, Terminal terminal, Style style) {
        this.source = source;
        this.filter = filter;
        this.interval = interval;
        this.terminal = terminal;
        this.layout = new Layout(style);
        if (filter != null) view.expand(filter);
    }

    /**
     * Prints one frame to {@code out} when stdout is not a terminal ({@code columns} wide) and
     * returns; else runs until q. Returns the exit code.
     */
    public int run(PrintStream out, PrintStream err, int columns) throws InterruptedException {
        if (!terminal.stdoutIsTerminal()) return oneFrame(out, err, columns);
        terminal.enter();
        try {
            start("top-fetch", this::fetchForever);
            start("top-keys", this::readKeys);
            start("top-tick", this::tickForever);
            try {
                Signal.handle(new Signal("WINCH"), s -> events.offer(new Event.Resized()));
            } catch (IllegalArgumentException e) {
                // no SIGWINCH here: the size is read again at every refresh anyway
            }
            draw();
            while (true) {
                Event e = events.take();
                switch (e) {
                    case Event.Pressed(Key key) when key == Key.QUIT -> {
                        return 0;
                    }
                    case Event.Pressed(Key key) -> {
                        Terminal.Size size = terminal.size();
                        view.apply(key, view.rows(shown()), size.rows() - 3);
                    }
                    case Event.Answer(Snapshot s) -> {
                        snapshot = s;
                        problem = null;
                    }
                    case Event.Failed(String message) -> problem = new Layout.Problem(message,
                            problem != null ? problem.since() : LocalTime.now().format(CLOCK));
                    case Event.Resized r -> {
                    }
                    case Event.Tick t -> {
                        long asked = askedAt;
                        long waited = asked == 0 ? 0 : System.nanoTime() - asked;
                        if (waited > Math.max(SLOW.toNanos(), 2 * interval.toNanos())) {
                            problem = new Layout.Problem("no answer for " + waited / 1_000_000_000L
                                    + " s: the emperor is busy or stuck", problem != null ? problem.since()
                                    : LocalTime.now().format(CLOCK));
                        }
                    }
                }
                draw();
            }
        } finally {
            terminal.restore();
        }
    }

    private int oneFrame(PrintStream out, PrintStream err, int columns) {
        Event e = fetch();
        if (e instanceof Event.Failed(String message)) {
            err.println("emperor: " + message);
            return 1;
        }
        snapshot = ((Event.Answer) e).snapshot();
        for (String line : layout.render(shown(), null, view, filter, columns, 0, LocalTime.now().format(CLOCK))) {
            out.println(line.stripTrailing());
        }
        out.flush();
        return 0;
    }

    private void draw() {
        Terminal.Size size = terminal.size();
        terminal.draw(layout.render(shown(), problem, view, filter, size.columns(), size.rows(),
                LocalTime.now().format(CLOCK)));
    }

    /** The snapshot with only the vassal asked for, when one was. */
    private Snapshot shown() {
        if (snapshot == null || filter == null) return snapshot;
        return new Snapshot(snapshot.emperor(),
                snapshot.vassals().stream().filter(v -> v.name().equals(filter)).toList());
    }

    private void fetchForever() {
        while (true) {
            askedAt = System.nanoTime() | 1; // never 0 while asking
            Event answer = fetch();
            askedAt = 0;
            events.offer(answer);
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void tickForever() {
        while (true) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            events.offer(new Event.Tick());
        }
    }

    private Event fetch() {
        try {
            JsonNode root = JSON.readTree(source.fetch());
            return new Event.Answer(reader.read(root, System.currentTimeMillis(), System.nanoTime()));
        } catch (IOException e) {
            return new Event.Failed(e.getMessage() == null ? e.toString() : e.getMessage());
        } catch (RuntimeException e) {
            return new Event.Failed("unexpected answer: " + e);
        }
    }

    private void readKeys() {
        try (InputStream in = terminal.keys()) {
            KeyDecoder keys = new KeyDecoder(in);
            for (Optional<Key> k = keys.next(); k.isPresent(); k = keys.next()) events.offer(new Event.Pressed(k.get()));
        } catch (IOException e) {
            // no keyboard (the terminal went away): Ctrl-C and SIGTERM still end top
        }
    }

    private static void start(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }
}
