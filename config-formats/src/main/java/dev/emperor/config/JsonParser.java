package dev.emperor.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser.Feature;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON as uWSGI reads it (with yajl): a top-level object whose {@code vassal} (or
 * {@code uwsgi}) member holds the options; strings as they are, numbers as written,
 * {@code true} as 1, {@code false} as 0, arrays repeat the key, nested objects (and arrays
 * inside arrays) are ignored. Comments are allowed, as yajl allows them. One difference:
 * {@code null} is the empty value (uWSGI makes it 0).
 */
final class JsonParser {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(TreeParser.MAX_DEPTH)
                    .maxStringLength(SourceText.MAX_BYTES)
                    .maxNumberLength(1000)
                    .build())
            .build()
            .enable(Feature.ALLOW_COMMENTS);

    private JsonParser() {
    }

    static RawSection parse(Path file, String text, List<String> sections, Magic.Substituted lines) throws ConfigException {
        Map<String, List<RawSection.RawOption>> found = new HashMap<>();
        Map<String, Integer> notObjects = new HashMap<>();
        try (com.fasterxml.jackson.core.JsonParser p = FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw new ConfigException(new Origin(file, t == null ? 1 : line(p, lines)),
                        "expected a mapping with a '" + sections.get(0) + "' key at the top");
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                int nameLine = line(p, lines);
                t = p.nextToken();
                boolean wanted = sections.contains(name) && !found.containsKey(name) && !notObjects.containsKey(name);
                if (!wanted) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_OBJECT) {
                    notObjects.put(name, nameLine); // yajl takes the first member of that name only
                    p.skipChildren();
                    continue;
                }
                found.put(name, options(file, p, lines));
            }
            if (p.nextToken() != null) {
                throw new ConfigException(new Origin(file, line(p, lines)), "syntax error: text after the end of the JSON document");
            }
        } catch (StreamConstraintsException e) {
            throw new ConfigException(Origin.of(file), "nesting deeper than " + TreeParser.MAX_DEPTH
                    + " levels (or a value too long); a vassal file is a flat list of options");
        } catch (JsonParseException e) {
            int line = e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getLineNr());
            throw new ConfigException(new Origin(file, lines.original(line)), "syntax error: "
                    + TreeParser.firstLine(e.getOriginalMessage(), "unreadable"));
        } catch (IOException e) {
            throw new ConfigException(Origin.of(file), "syntax error: " + TreeParser.firstLine(e.getMessage(), "unreadable"));
        }
        for (String s : sections) {
            if (found.containsKey(s)) return new RawSection(s, found.get(s));
            if (notObjects.containsKey(s)) {
                throw new ConfigException(new Origin(file, notObjects.get(s)), "'" + s + "' must hold a mapping of options");
            }
        }
        return new RawSection(null, List.of());
    }

    private static List<RawSection.RawOption> options(Path file, com.fasterxml.jackson.core.JsonParser p,
                                                      Magic.Substituted lines) throws IOException, ConfigException {
        List<RawSection.RawOption> out = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            int keyLine = line(p, lines);
            t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) {
                        p.skipChildren(); // yajl's reader skips these
                        continue;
                    }
                    add(file, out, new RawSection.RawOption(key, scalar(p, t), line(p, lines)));
                }
            } else if (t == JsonToken.START_OBJECT) {
                p.skipChildren();
            } else {
                add(file, out, new RawSection.RawOption(key, scalar(p, t), keyLine));
            }
        }
        return out;
    }

    private static void add(Path file, List<RawSection.RawOption> out, RawSection.RawOption option) throws ConfigException {
        if (out.size() >= Limits.MAX_OPTIONS) {
            throw new ConfigException(new Origin(file, option.line()), "more than " + Limits.MAX_OPTIONS + " options; refusing the file");
        }
        out.add(option);
    }

    private static String scalar(com.fasterxml.jackson.core.JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_TRUE -> "1";
            case VALUE_FALSE -> "0";
            case VALUE_NULL -> "";
            default -> p.getText(); // strings decoded; numbers exactly as written
        };
    }

    private static int line(com.fasterxml.jackson.core.JsonParser p, Magic.Substituted lines) {
        return lines.original(p.currentTokenLocation().getLineNr());
    }
}
