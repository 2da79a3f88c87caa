package dev.emperor.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.events.CollectionEndEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * YAML: a top-level mapping whose {@code vassal} (or {@code uwsgi}) key holds the options.
 * A scalar is one value, as written ({@code yes} stays {@code yes}); a list repeats the key;
 * a nested mapping is flattened into options, as uWSGI's libyaml reader does. Parsed to a
 * node tree only, never to Java objects, so tags construct nothing (they are ignored).
 */
final class TreeParser {

    /** Vassal files are flat; anything deeper than this is an attack or a mistake. */
    static final int MAX_DEPTH = 16;
    static final int MAX_ALIASES = 20;

    private TreeParser() {
    }

    static RawSection parse(Path file, String text, List<String> sections, Magic.Substituted lines) throws ConfigException {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(file.toString())
                .setAllowDuplicateKeys(true) // repeated keys are lists, as in uWSGI
                .setMaxAliasesForCollections(MAX_ALIASES)
                .setCodePointLimit(SourceText.MAX_BYTES * 2)
                .setAllowRecursiveKeys(false)
                .build();
        Optional<Node> root;
        try {
            checkDepth(file, settings, text, lines);
            root = new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().or(e::getContextMark).map(m -> m.getLine() + 1).orElse(0);
            throw new ConfigException(new Origin(file, lines.original(line)),
                    "syntax error: " + firstLine(e.getProblem(), e.getMessage()));
        } catch (YamlEngineException e) {
            throw new ConfigException(Origin.of(file), "syntax error: " + firstLine(e.getMessage(), "unreadable"));
        } catch (StackOverflowError e) {
            throw new ConfigException(Origin.of(file), "nesting too deep");
        }
        if (root.isEmpty()) {
            return new RawSection(null, List.of());
        }
        if (!(root.get() instanceof MappingNode top)) {
            throw new ConfigException(at(file, root.get(), lines),
                    "expected a mapping with a '" + sections.get(0) + ":' key at the top");
        }
        for (String wanted : sections) {
            for (NodeTuple section : top.getValue()) {
                if (!wanted.equals(scalar(section.getKeyNode()))) continue;
                Node value = section.getValueNode();
                List<RawSection.RawOption> values = new ArrayList<>();
                if (value instanceof ScalarNode s && s.getValue().isEmpty()) {
                    return new RawSection(wanted, values); // "vassal:" with nothing under it
                }
                if (!(value instanceof MappingNode options)) {
                    throw new ConfigException(at(file, value, lines), "'" + wanted + "' must hold a mapping of options");
                }
                List<ConfigError> errors = new ArrayList<>();
                walk(file, options, values, errors, lines, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
                if (!errors.isEmpty()) throw new ConfigException(errors);
                return new RawSection(wanted, values);
            }
        }
        return new RawSection(null, List.of());
    }

    private static void walk(Path file, MappingNode mapping, List<RawSection.RawOption> out, List<ConfigError> errors,
                             Magic.Substituted lines, java.util.Set<Node> path) throws ConfigException {
        path.add(mapping);
        for (NodeTuple option : mapping.getValue()) {
            String key = scalar(option.getKeyNode());
            if (key == null) {
                errors.add(new ConfigError(at(file, option.getKeyNode(), lines), "option names must be plain strings"));
                continue;
            }
            Node value = option.getValueNode();
            if (value instanceof ScalarNode s) {
                add(file, out, new RawSection.RawOption(key, value(s), at(file, option.getKeyNode(), lines).line()));
            } else if (value instanceof SequenceNode list) {
                for (Node item : list.getValue()) {
                    if (item instanceof ScalarNode s) {
                        add(file, out, new RawSection.RawOption(key, value(s), at(file, item, lines).line()));
                    } else {
                        // uWSGI's token walk does odd things here (drops the rest, or renames the key)
                        errors.add(new ConfigError(at(file, item, lines),
                                "option '" + key + "': list items must be plain values"));
                    }
                }
            } else if (value instanceof MappingNode nested) {
                if (path.contains(nested)) {
                    errors.add(new ConfigError(at(file, option.getKeyNode(), lines),
                            "option '" + key + "': a YAML alias to a mapping that contains it (it would never end)"));
                    continue;
                }
                walk(file, nested, out, errors, lines, path); // uWSGI reads a nested mapping's keys as options
            }
        }
        path.remove(mapping);
    }

    private static void add(Path file, List<RawSection.RawOption> out, RawSection.RawOption option) throws ConfigException {
        if (out.size() >= Limits.MAX_OPTIONS) {
            throw new ConfigException(new Origin(file, option.line()), "more than " + Limits.MAX_OPTIONS
                    + " options (YAML aliases can repeat a list many times); refusing the file");
        }
        out.add(option);
    }

    /** A plain null ({@code ~}, {@code null}, nothing) means no value: the empty string. */
    private static String value(ScalarNode s) {
        if (s.getScalarStyle() == ScalarStyle.PLAIN) {
            switch (s.getValue()) {
                case "", "~", "null", "Null", "NULL" -> {
                    return "";
                }
                default -> {
                }
            }
        }
        return s.getValue();
    }

    /** The event parser does not recurse, so it can measure depth before the composer would. */
    private static void checkDepth(Path file, LoadSettings settings, String text, Magic.Substituted lines)
            throws ConfigException {
        int depth = 0;
        for (Event event : new Parse(settings).parseString(text)) {
            if (event instanceof CollectionStartEvent) {
                if (++depth > MAX_DEPTH) {
                    int line = event.getStartMark().map(m -> m.getLine() + 1).orElse(0);
                    throw new ConfigException(new Origin(file, lines.original(line)),
                            "nesting deeper than " + MAX_DEPTH + " levels; a vassal file is a flat list of options");
                }
            } else if (event instanceof CollectionEndEvent) {
                depth--;
            }
        }
    }

    private static String scalar(Node node) {
        return node instanceof ScalarNode s ? s.getValue() : null;
    }

    private static Origin at(Path file, Node node, Magic.Substituted lines) {
        return new Origin(file, lines.original(node.getStartMark().map(Mark::getLine).map(l -> l + 1).orElse(0)));
    }

    static String firstLine(String preferred, String fallback) {
        String s = preferred != null ? preferred : fallback;
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
