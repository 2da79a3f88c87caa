package dev.emperor.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads one configuration file of any supported format into an {@link OptionModel}: picks
 * the section, expands variables and placeholders, and reports every problem as a
 * {@link ConfigException} with file and line. Stateless and safe to share.
 */
public final class ConfigLoader {

    /** Sections a vassal file may keep its options in, in order of preference. */
    public static final List<String> VASSAL_SECTIONS = List.of("vassal", "uwsgi");

    private final Map<String, String> environment;

    /** A loader that expands {@code $(VAR)} from the given environment. */
    public ConfigLoader(Map<String, String> environment) {
        this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
    }

    /** A loader that expands {@code $(VAR)} from this process's environment. */
    public static ConfigLoader withSystemEnvironment() {
        return new ConfigLoader(System.getenv());
    }

    /** The vassal options of {@code file} ({@code [vassal]}, or {@code [uwsgi]} for uWSGI files). */
    public LoadedConfig loadVassal(Path file) throws ConfigException {
        return load(file, VASSAL_SECTIONS);
    }

    /**
     * The options in the first of {@code sections} that the file has. A file with none of
     * them is an error: a vassal file without its section would silently do nothing.
     */
    public LoadedConfig load(Path file, List<String> sections) throws ConfigException {
        ConfigFormat format = ConfigFormat.of(file).orElseThrow(() -> new ConfigException(Origin.of(file),
                "unknown file type; use .ini, .yaml, .yml, .json or .xml"));
        String text = SourceText.read(file);
        IniParser.Section section = switch (format) {
            case INI -> IniParser.parse(file, text, sections);
            case YAML, JSON -> TreeParser.parse(file, text, sections);
            case XML -> XmlParser.parse(file, text, sections);
        };
        if (section.name() == null) {
            String wanted = format == ConfigFormat.INI ? "[" + sections.get(0) + "]" : "'" + sections.get(0) + "'";
            throw new ConfigException(new Origin(file, 1), "no " + wanted + " section; "
                    + "a vassal's options live under " + wanted
                    + (sections.size() > 1 ? " (or '" + sections.get(1) + "' for a uWSGI file)" : ""));
        }
        List<OptionValue> expanded = new Expander(file, section.name(), environment).expand(section.values());
        return new LoadedConfig(file, format, section.name(), new OptionModel(expanded));
    }

    /** A parsed file: where it was, what format, which section, and its options. */
    public record LoadedConfig(Path file, ConfigFormat format, String section, OptionModel options) {
    }
}
