package dev.emperor.config.schema;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code config check} can tell about a vassal's command beyond its syntax: whether the
 * program is there to run (the emperor would otherwise retry it with backoff until it gives
 * up), and whether uWSGI's {@code %} expansion changed a shell command's text.
 */
public final class CommandCheck {

    private CommandCheck() {
    }

    /**
     * The problem with {@code program} as execvp finds it, if any: a name with a slash is a
     * path from {@code directory}, any other is searched in {@code searchPath} (PATH's value).
     */
    public static Optional<String> program(String program, Path directory, String searchPath) {
        if (program.isEmpty()) return Optional.of("the command is empty");
        try {
            if (program.contains("/")) {
                Path p = directory.resolve(program).normalize();
                if (!Files.exists(p)) return Optional.of("program " + p + " does not exist");
                if (Files.isDirectory(p) || !Files.isExecutable(p)) {
                    return Optional.of("program " + p + " is not an executable file");
                }
                return Optional.empty();
            }
            boolean foundNotExecutable = false;
            for (String dir : searchPath.split(":")) {
                if (dir.isEmpty()) continue;
                Path p = directory.resolve(dir).resolve(program);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.empty();
                foundNotExecutable |= Files.isRegularFile(p);
            }
            return Optional.of("program '" + program + "' " + (foundNotExecutable ? "is on PATH but not executable"
                    : "not found") + " (PATH=" + searchPath + ")");
        } catch (InvalidPathException e) {
            return Optional.of("program '" + program + "' is not a usable path (" + e.getReason() + ")");
        }
    }

    /**
     * The {@code %X} sequences of a command as written that uWSGI's magic expansion replaces
     * before the shell sees the text ({@code %T} in {@code date +%T}); {@code %%} (a literal
     * {@code %}) and {@code %(NAME)} placeholders are meant as they are and not listed.
     */
    public static List<String> magicInShellText(String asWritten) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < asWritten.length(); i++) {
            if (asWritten.charAt(i) != '%') continue;
            if (i + 1 == asWritten.length()) {
                found.add("%"); // a last % swallows the end of the line
                break;
            }
            int cp = asWritten.codePointAt(i + 1);
            String seq = "%" + Character.toString(cp);
            if (cp != '%' && cp != '(' && !found.contains(seq)) found.add(seq);
            i += Character.charCount(cp);
        }
        return found;
    }

    /** The warning for a shell command whose {@code %} sequences uWSGI replaced; names {@code %%}. */
    public static String shellMagicWarning(String key, List<String> sequences) {
        return key + ": uWSGI's %-expansion changes this shell command before the shell sees it: "
                + String.join(", ", sequences.stream().map(s -> "'" + s + "'").toList())
                + (sequences.size() == 1 ? " is" : " are") + " replaced by uWSGI's magic variables (or removed);"
                + " write %% for a literal % (e.g. 'date +%%T'), or ignore this if you meant uWSGI's variable";
    }
}
