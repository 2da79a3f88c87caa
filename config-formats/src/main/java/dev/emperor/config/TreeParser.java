package dev.emperor.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
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
 * YAML and JSON (JSON is YAML 1.2 flow syntax): a top-level mapping whose {@code vassal}
 * (or {@code uwsgi}) key holds the options. A scalar is one value; a list repeats the key.
 * Parsed to a node tree only, never to Java objects, so tags cannot construct anything.
 */
final class TreeParser {

    /** Vassal files are flat; anything deeper than this is an attack or a mistake. */
    static final int MAX_DEPTH = 16;
    static final int MAX_ALIASES = 20;

    private TreeParser() {
    }

    static IniParser.Section parse(Path file, String text, List<String> sections) throws ConfigException {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(file.toString())
                .setAllowDuplicateKeys(true) // repeated keys are lists, as in uWSGI's own YAML reader
                .setMaxAliasesForCollections(MAX_ALIASES)
                .setCodePointLimit(SourceText.MAX_BYTES)
                .setAllowRecursiveKeys(false)
                .build();
        Optional<Node> root;
        try {
            checkDepth(file, settings, text);
            root = new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().or(e::getContextMark).map(m -> m.getLine() + 1).orElse(0);
            throw new ConfigException(new Origin(file, line), "syntax error: " + firstLine(e.getProblem(), e.getMessage()));
        } catch (YamlEngineException e) {
            throw new ConfigException(Origin.of(file), "syntax error: " + firstLine(e.getMessage(), "unreadable"));
        } catch (StackOverflowError e) {
            throw new ConfigException(Origin.of(file), "nesting too deep");
        }
        if (root.isEmpty()) {
            return new IniParser.Section(null, List.of());
        }
        if (!(root.get() instanceof MappingNode top)) {
            throw new ConfigException(at(file, root.get()),
                    "expected a mapping with a '" + sections.get(0) + ":' key at the top");
        }
        String selected = null;
        List<OptionValue> values = new ArrayList<>();
        List<ConfigError> errors = new ArrayList<>();
        for (NodeTuple section : top.getValue()) {
            String name = scalar(section.getKeyNode());
            if (name == null || !sections.contains(name) || (selected != null && !selected.equals(name))) {
                continue;
            }
            selected = name;
            if (section.getValueNode() instanceof ScalarNode s && s.getValue().isEmpty()) {
                continue; // "vassal:" with nothing under it
            }
            if (!(section.getValueNode() instanceof MappingNode options)) {
                errors.add(new ConfigError(at(file, section.getValueNode()),
                        "'" + name + "' must hold a mapping of options"));
                continue;
            }
            for (NodeTuple option : options.getValue()) {
                String key = scalar(option.getKeyNode());
                if (key == null || key.isBlank()) {
                    errors.add(new ConfigError(at(file, option.getKeyNode()), "option names must be plain strings"));
                    continue;
                }
                Node value = option.getValueNode();
                if (value instanceof ScalarNode s) {
                    values.add(new OptionValue(key, s.getValue(), at(file, option.getKeyNode())));
                } else if (value instanceof SequenceNode list) {
                    for (Node item : list.getValue()) {
                        if (item instanceof ScalarNode s) {
                            values.add(new OptionValue(key, s.getValue(), at(file, item)));
                        } else {
                            errors.add(new ConfigError(at(file, item),
                                    "option '" + key + "': list items must be plain values"));
                        }
                    }
                } else {
                    errors.add(new ConfigError(at(file, value),
                            "option '" + key + "': expected a value or a list of values, found a mapping"));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new IniParser.Section(selected, values);
    }

    /** The event parser does not recurse, so it can measure depth before the composer would. */
    private static void checkDepth(Path file, LoadSettings settings, String text) throws ConfigException {
        int depth = 0;
        for (Event event : new Parse(settings).parseString(text)) {
            if (event instanceof CollectionStartEvent) {
                if (++depth > MAX_DEPTH) {
                    int line = event.getStartMark().map(m -> m.getLine() + 1).orElse(0);
                    throw new ConfigException(new Origin(file, line),
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

    private static Origin at(Path file, Node node) {
        return new Origin(file, node.getStartMark().map(Mark::getLine).map(l -> l + 1).orElse(0));
    }

    private static String firstLine(String preferred, String fallback) {
        String s = preferred != null ? preferred : fallback;
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
