package dev.emperor.cli.top;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The controlling terminal: whether stdout is one, its size, raw key input and the alternate
 * screen. {@link #enter} saves the tty's settings ({@code stty -g}) and switches to raw keys
 * and the alternate screen; {@link #restore} puts both back, and runs from a shutdown hook too,
 * so q, Ctrl-C, SIGTERM and an exception all leave the user's shell as it was.
 */
public final class Terminal {

    private static final File TTY = new File("/dev/tty");
    private static final long TIOCGWINSZ = 0x5413; // Linux, every architecture the JDK runs on but PowerPC

    interface LibC extends Library {
        int isatty(int fd);

        int ioctl(int fd, long request, short[] winsize);
    }

    /** Rows and columns. */
    public record Size(int rows, int columns) {
    }

    private final Map<String, String> env;
    private final LibC libc;
    private final AtomicBoolean entered = new AtomicBoolean();
    private final PrintStream out;
    private String savedStty;
    private Thread hook;

    public Terminal(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.out = out;
        this.libc = loadLibc();
    }

    private static LibC loadLibc() {
        try {
            return Native.load("c", LibC.class);
        } catch (LinkageError e) {
            return null; // no JNA here: stty and the environment still work
        }
    }

    /** True when stdout is a terminal (else top prints one frame and exits). */
    public boolean stdoutIsTerminal() {
        if (libc != null) {
            try {
                return libc.isatty(1) == 1;
            } catch (LinkageError | RuntimeException e) {
                // fall through
            }
        }
        return System.console() != null;
    }

    /**
     * The terminal's size, read again on every call (the user may resize it): TIOCGWINSZ on
     * stdout, else {@code stty size} on /dev/tty, else $LINES and $COLUMNS, else 24x80.
     */
    public Size size() {
        if (libc != null) {
            try {
                short[] ws = new short[4];
                if (libc.ioctl(1, TIOCGWINSZ, ws) == 0 && ws[0] > 0 && ws[1] > 0) return new Size(ws[0], ws[1]);
            } catch (LinkageError | RuntimeException e) {
                // fall through
            }
        }
        Optional<String> stty = stty("size");
        if (stty.isPresent()) {
            String[] f = stty.get().strip().split("\\s+");
            if (f.length == 2 && f[0].matches("[1-9][0-9]{0,4}") && f[1].matches("[1-9][0-9]{0,4}")) {
                return new Size(Integer.parseInt(f[0]), Integer.parseInt(f[1]));
            }
        }
        return new Size(positive(env.get("LINES"), 24), positive(env.get("COLUMNS"), 80));
    }

    /** {@code value} as a positive number of rows or columns, else {@code otherwise}. */
    public static int positive(String value, int otherwise) {
        if (value == null || !value.strip().matches("[1-9][0-9]{0,4}")) return otherwise;
        return Integer.parseInt(value.strip());
    }

    /** Raw keys (no Enter needed, no echo) and the alternate screen with the cursor hidden; restored on any exit. */
    public synchronized void enter() {
        if (!entered.compareAndSet(false, true)) return;
        savedStty = stty("-g").map(String::strip).orElse(null);
        hook = new Thread(this::restore, "top-restore-terminal");
        Runtime.getRuntime().addShutdownHook(hook);
        // ISIG stays on: Ctrl-C is SIGINT, and the shutdown hook restores the terminal. Ctrl-Z is
        // off: a stopped top would leave the shell raw and on the alternate screen.
        stty("-icanon", "-echo", "min", "1", "time", "0", "susp", "undef");
        out.print("\033[?1049h\033[?25l\033[H\033[2J");
        out.flush();
    }

    /** Leaves the alternate screen, shows the cursor and puts the tty's settings back. Idempotent. */
    public synchronized void restore() {
        if (!entered.compareAndSet(true, false)) return;
        out.print("\033[0m\033[?25h\033[?1049l");
        out.flush();
        if (savedStty != null) stty(savedStty);
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs and finds nothing to do
            }
        }
    }

    /** The keyboard: /dev/tty, so that top reads keys even with stdin redirected. */
    public InputStream keys() throws IOException {
        return new FileInputStream(TTY);
    }

    /**
     * Writes one frame: home, each line cleared to its end, then the rest of the screen cleared.
     * Synchronized with {@link #restore} so that no frame lands on the user's screen after it.
     */
    public synchronized void draw(java.util.List<String> lines) {
        if (!entered.get()) return; // restored already (Ctrl-C): nothing more on the user's screen
        StringBuilder b = new StringBuilder("\033[H");
        for (int i = 0; i < lines.size(); i++) {
            b.append(lines.get(i)).append("\033[K");
            if (i < lines.size() - 1) b.append("\r\n");
        }
        b.append("\033[J");
        out.print(b);
        out.flush();
    }

    /** Runs stty with /dev/tty as its stdin (stty acts on its stdin); its output, or empty if it failed. */
    private static Optional<String> stty(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(TTY).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            byte[] answer = p.getInputStream().readNBytes(4096);
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(new String(answer, StandardCharsets.US_ASCII)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
