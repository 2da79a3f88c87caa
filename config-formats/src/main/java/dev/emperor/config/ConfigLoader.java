package dev.emperor.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Reads one configuration file of any supported format into an {@link OptionModel}, the way
 * uWSGI 2.0.21 would read it: picks the section, follows includes, runs for/if blocks,
 * expands magic variables, {@code $(ENV)}, {@code @(file)} and {@code %(key)}, appends
 * {@code inherit} files. Every problem is a {@link ConfigException} with file and line.
 * Immutable and safe to share; each load is independent.
 *
 * <p>Relative paths inside a file (includes, {@code @(file)}, {@code if-exists}, ...) are
 * resolved against the working directory, which is by default the directory of the file
 * being loaded: what a uWSGI vassal sees, since the Emperor starts it in its vassals
 * directory. {@link #withWorkingDirectory} sets another one.
 */
public final class ConfigLoader {

    /** Sections a vassal file may keep its options in, in order of preference. */
    public static final List<String> VASSAL_SECTIONS = List.of("vassal", "uwsgi");

    /** Sections of the emperor's own settings file, in order of preference. */
    public static final List<String> EMPEROR_SECTIONS = List.of("emperor", "uwsgi");

    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final FileReadPolicy readPolicy;

    /** A loader that expands {@code $(VAR)} from the given environment. */
    public ConfigLoader(Map<String, String> environment) {
        this(environment, null, FileReadPolicy.ALLOW_ALL);
    }

    private ConfigLoader(Map<String, String> environment, Path workingDirectory, FileReadPolicy readPolicy) {
        this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
        this.workingDirectory = workingDirectory;
        this.readPolicy = Objects.requireNonNull(readPolicy, "readPolicy");
    }

    /** A loader that expands {@code $(VAR)} from this process's environment. */
    public static ConfigLoader withSystemEnvironment() {
        return new ConfigLoader(System.getenv());
    }

    /**
     * The same loader, resolving relative paths against {@code dir}: the file given to
     * {@code load} and the paths inside it, instead of each file's folder. {@code %o} stays
     * the path as given.
     */
    public ConfigLoader withWorkingDirectory(Path dir) {
        return new ConfigLoader(environment, dir.toAbsolutePath().normalize(), readPolicy);
    }

    /**
     * The same loader, opening every file it reads (the file given, includes, {@code @(file)},
     * {@code for-readline}) through {@code policy}: how a root emperor reads files for
     * other users. The default reads everything, as the command-line tools should.
     */
    public ConfigLoader withReadPolicy(FileReadPolicy policy) {
        return new ConfigLoader(environment, workingDirectory, policy);
    }

    /** The environment {@code $(VAR)} and {@code if-env} see. */
    public Map<String, String> environment() {
        return environment;
    }

    /** The vassal options of {@code file} ({@code [vassal]}, or {@code [uwsgi]} for uWSGI files). */
    public LoadedConfig loadVassal(Path file) throws ConfigException {
        return load(file, VASSAL_SECTIONS);
    }

    /** The emperor's own settings ({@code [emperor]}, or {@code [uwsgi]} as uWSGI's emperor files have it). */
    public LoadedConfig loadEmperor(Path file) throws ConfigException {
        return load(file, EMPEROR_SECTIONS);
    }

    /**
     * The options in the first of {@code sections} (in this list's order) that the file has.
     * A file with none of them is an error: a vassal file without its section would silently do nothing.
     */
    public LoadedConfig load(Path file, List<String> sections) throws ConfigException {
        return load(file, null, sections);
    }

    /**
     * The options of one named section, as {@code FILE:SECTION} selects it in uWSGI (and
     * sets {@code %x}). For XML the name selects the {@code <uwsgi id="...">} element.
     */
    public LoadedConfig load(Path path, String section, List<String> sections) throws ConfigException {
        if (sections.isEmpty()) throw new IllegalArgumentException("no section to look for");
        Path file = path;
        ConfigFormat format = ConfigFormat.of(path).orElseThrow(() -> new ConfigException(Origin.of(path),
                "unknown file type; use .ini, .yaml, .yml, .json or .xml"));
        String given = file.toString();
        String absolute = file.isAbsolute() ? given
                : (workingDirectory != null ? workingDirectory : Path.of("").toAbsolutePath()) + "/" + given;
        if (workingDirectory != null && !file.isAbsolute()) {
            file = workingDirectory.resolve(file); // relative to the working directory, as uwsgi's own argument
        }
        Path cwd = workingDirectory != null ? workingDirectory : folderOf(file);
        Engine engine = new Engine(environment, cwd, readPolicy);
        try {
            String read = engine.loadTop(format, file, given, absolute, section == null || section.isEmpty() ? null : section, sections);
            engine.finish();
            List<OptionValue> values = new ArrayList<>();
            for (Engine.Entry e : engine.entries()) {
                if (!e.hidden) values.add(new OptionValue(e.key, e.value, e.origin));
            }
            return new LoadedConfig(file, format, read, new OptionModel(values), engine.placeholders());
        } catch (StackOverflowError e) {
            throw new ConfigException(Origin.of(file), "nesting too deep");
        }
    }

    /**
     * The top-level file's own options as the user wrote them, for {@code emperor config
     * convert}: blocks, includes, placeholders and magic variables ({@code %d}, {@code %h},
     * {@code %k}, ...) are left for whoever reads the result, so that it still means what it
     * said on another machine. The values are in source form: what a file would hold, before
     * its magic variables are replaced (a literal {@code %} is {@code %%}); write them with
     * {@link ConfigWriter#writeSource}. Placed next to the original (same folder, same base
     * name), the converted file expands exactly as the original did. So a value is kept as
     * written only where that holds: where it names the file itself ({@code %s}, {@code %e},
     * {@code %p}, {@code %o}, {@code %i}, {@code %j}: another file has other ones) or where its
     * text relied on how magic meets the format's own syntax, its expanded value is written
     * instead.
     */
    public LoadedConfig loadUnexpanded(Path path, String section, List<String> sections) throws ConfigException {
        Engine expanded = unexpandedEngine(path);
        RawSection done = readUnexpanded(expanded, path, section, sections);
        RawSection asWritten = null;
        Engine raw = unexpandedEngine(path);
        raw.keepMagic();
        try {
            asWritten = readUnexpanded(raw, path, section, sections);
        } catch (ConfigException e) {
            // the text only parses once its magic is replaced (magic in a section name, say): write it expanded
        }
        boolean aligned = asWritten != null && asWritten.options().size() == done.options().size()
                && java.util.Objects.equals(asWritten.name(), done.name());
        Path file = fileOf(path);
        List<OptionValue> values = new ArrayList<>();
        for (int i = 0; i < done.options().size(); i++) {
            RawSection.RawOption e = done.options().get(i);
            String key = Magic.escape(e.key());
            String value = Magic.escape(e.value());
            if (aligned) {
                RawSection.RawOption w = asWritten.options().get(i);
                if (keepable(w.key(), e.key(), expanded)) key = w.key();
                if (keepable(w.value(), e.value(), expanded)) value = w.value();
            }
            values.add(new OptionValue(key, value, new Origin(file, e.line())));
        }
        return new LoadedConfig(file, format(path), done.name(), new OptionModel(values));
    }

    /**
     * The top-level file's own options exactly as written: not even magic variables are
     * replaced ({@code date +%T} stays so). For warnings about what uWSGI's {@code %}
     * expansion does to a value; fails when the text only parses once its magic is replaced.
     */
    public LoadedConfig loadAsWritten(Path path, String section, List<String> sections) throws ConfigException {
        Engine raw = unexpandedEngine(path);
        raw.keepMagic();
        RawSection read = readUnexpanded(raw, path, section, sections);
        Path file = fileOf(path);
        List<OptionValue> values = new ArrayList<>();
        for (RawSection.RawOption o : read.options()) values.add(new OptionValue(o.key(), o.value(), new Origin(file, o.line())));
        return new LoadedConfig(file, format(path), read.name(), new OptionModel(values));
    }

    /** True when {@code written} can stand in a converted file for what the original made of it, {@code result}. */
    private static boolean keepable(String written, String result, Engine engine) {
        if (result.isEmpty() && !written.isEmpty()) return false; // an XML element empty only after magic would read as 1
        for (int i = 0; i < written.length(); i++) {
            if (written.charAt(i) != '%') continue;
            if (i + 1 == written.length()) return false; // at the end its meaning depends on what follows in the file
            char c = written.charAt(++i);
            // the file's own name and identity differ in the converted file; %[ is a control character no
            // format holds raw; characters the formats escape would split the pair
            if ("sepoijSEPOIJ[\"\\<>&".indexOf(c) >= 0 || c < 0x20) return false;
        }
        return engine.magic(written).equals(result);
    }

    private Engine unexpandedEngine(Path path) {
        return new Engine(environment, workingDirectory != null ? workingDirectory : folderOf(fileOf(path)), readPolicy);
    }

    private Path fileOf(Path path) {
        return workingDirectory != null && !path.isAbsolute() ? workingDirectory.resolve(path) : path;
    }

    private static ConfigFormat format(Path path) throws ConfigException {
        return ConfigFormat.of(path).orElseThrow(() -> new ConfigException(Origin.of(path),
                "unknown file type; use .ini, .yaml, .yml, .json or .xml"));
    }

    private RawSection readUnexpanded(Engine engine, Path path, String section, List<String> sections)
            throws ConfigException {
        if (sections.isEmpty()) throw new IllegalArgumentException("no section to look for");
        String given = path.toString();
        String absolute = path.isAbsolute() ? given
                : (workingDirectory != null ? workingDirectory : Path.of("").toAbsolutePath()) + "/" + given;
        return engine.readTop(format(path), fileOf(path), given, absolute,
                section == null || section.isEmpty() ? null : section, sections);
    }

    /**
     * A file named as on uWSGI's command line, {@code FILE} or {@code FILE:SECTION} (split at
     * the last colon, unless the whole name is an existing file).
     */
    public LoadedConfig load(String fileAndSection, List<String> sections) throws ConfigException {
        Path whole = Path.of(fileAndSection);
        int colon = fileAndSection.lastIndexOf(':');
        if (colon < 0 || Files.exists(whole)) return load(whole, null, sections);
        return load(Path.of(fileAndSection.substring(0, colon)), fileAndSection.substring(colon + 1), sections);
    }

    private static Path folderOf(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null) return Path.of("/");
        try {
            return parent.toRealPath(); // getcwd() gives the physical path
        } catch (IOException e) {
            return parent.normalize();
        }
    }

    /**
     * A parsed file: where it was, what format, which section, and its options.
     * {@code placeholders} are the names used as placeholders while it was read (looked up by
     * {@code %(NAME)} or {@code if-opt}, or set with {@code set-ph}): an option of such a name
     * that is no setting is a placeholder's definition, as uWSGI files use them, not a typo.
     */
    public record LoadedConfig(Path file, ConfigFormat format, String section, OptionModel options,
                               Set<String> placeholders) {

        public LoadedConfig {
            placeholders = Set.copyOf(placeholders);
        }

        public LoadedConfig(Path file, ConfigFormat format, String section, OptionModel options) {
            this(file, format, section, options, Set.of());
        }

        /** The value that counts for a single-valued option (the last one written), if set. */
        public Optional<String> value(String key) {
            return options.last(key).map(OptionValue::value);
        }
    }
}
