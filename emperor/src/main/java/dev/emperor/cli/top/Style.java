package dev.emperor.cli.top;

/**
 * How cells are decorated: ANSI colours only for a terminal that has them (TERM set and not
 * {@code dumb}, NO_COLOR unset), and an ellipsis the output charset can encode. Colour codes
 * reset only the attribute they set, so a coloured cell keeps the selected row's reverse video.
 */
public record Style(boolean colour, String ellipsis) {

    public static final Style PLAIN = new Style(false, "…");

    /** The style for this environment and output charset. */
    public static Style detect(java.util.Map<String, String> env, java.nio.charset.Charset out) {
        String term = env.getOrDefault("TERM", "");
        boolean colour = !term.isEmpty() && !term.equals("dumb") && env.get("NO_COLOR") == null;
        return new Style(colour, out.newEncoder().canEncode('…') ? "…" : "~");
    }

    String state(String state, String text) {
        return switch (state) {
            case "running" -> fg(32, text);
            case "starting", "reloading" -> fg(36, text);
            case "backoff" -> fg(33, text);
            case "failed", "invalid" -> fg(31, text);
            default -> text;
        };
    }

    String health(String health, String text) {
        if (health == null) return text;
        return switch (health) {
            case "ok" -> fg(32, text);
            case "gc", "idle", "waiting" -> fg(33, text);
            case "no-agent" -> text;
            default -> fg(31, text);
        };
    }

    String warn(String text) {
        return fg(31, text);
    }

    String header(String text) {
        return colour ? "\033[1;7m" + text + "\033[22;27m" : text;
    }

    String selected(String text) {
        return colour ? "\033[7m" + text + "\033[27m" : text;
    }

    private String fg(int code, String text) {
        return colour ? "\033[" + code + "m" + text + "\033[39m" : text;
    }
}
