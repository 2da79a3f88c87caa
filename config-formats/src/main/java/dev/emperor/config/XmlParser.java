package dev.emperor.config;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * XML as uWSGI reads it (libxml2): the section is the root element ({@code <uwsgi>} or
 * {@code <vassal>}) or the first such element directly under the root (the one whose
 * {@code id} matches, for {@code file.xml:id}). Each child element is an option whose value
 * is its first child's content, untrimmed; an empty element means {@code 1}; a CDATA block
 * directly in the section is an {@code eval} option; {@code <app>} becomes {@code mount} and
 * {@code app}; children with another {@code id} are skipped. Attributes are not options.
 * DTDs and entities are refused: the file is untrusted.
 */
final class XmlParser {

    private static final int MAX_DEPTH = TreeParser.MAX_DEPTH;

    private XmlParser() {
    }

    static RawSection parse(Path file, String text, List<String> sections, String id, Magic.Substituted lines)
            throws ConfigException {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        factory.setProperty(XMLInputFactory.IS_COALESCING, false);
        try {
            // the JDK's parser reports CDATA as plain text unless asked; uWSGI treats it apart
            factory.setProperty("http://java.sun.com/xml/stream/properties/report-cdata-event", Boolean.TRUE);
        } catch (IllegalArgumentException ignored) {
            // another StAX implementation: CDATA then reads as text
        }
        XMLStreamReader r = null;
        try {
            r = factory.createXMLStreamReader(new StringReader(text));
            String root = null;
            int rootLine = 1;
            RawSection result = null;
            java.util.Map<String, RawSection> children = new java.util.HashMap<>();
            while (r.hasNext()) {
                int ev = r.next();
                if (ev == XMLStreamConstants.DTD) {
                    throw new ConfigException(at(file, r, lines), "DTDs are not allowed in configuration files");
                }
                if (ev == XMLStreamConstants.ENTITY_REFERENCE) {
                    throw new ConfigException(at(file, r, lines), "entity '&" + r.getLocalName() + ";' is not allowed");
                }
                if (ev != XMLStreamConstants.START_ELEMENT) continue;
                if (root == null) {
                    root = r.getLocalName();
                    rootLine = at(file, r, lines).line();
                    if (sections.contains(root)) {
                        result = new RawSection(root, section(file, r, id, lines));
                        continue;
                    }
                    continue;
                }
                // a child of a root that is not itself a section: maybe <uwsgi id="...">
                String name = r.getLocalName();
                String childId = r.getAttributeValue(null, "id");
                if (result == null && !children.containsKey(name) && sections.contains(name)
                        && (id == null || childId == null || id.equals(childId))) {
                    children.put(name, new RawSection(name, section(file, r, id, lines)));
                } else {
                    skip(file, r, lines, 1);
                }
            }
            if (result != null) {
                return result;
            }
            for (String wanted : sections) {
                if (children.containsKey(wanted)) return children.get(wanted);
            }
            if (root != null && !sections.contains(root)) {
                throw new ConfigException(new Origin(file, rootLine), "root element must be <" + sections.get(0)
                        + ">, found <" + root + ">");
            }
            return new RawSection(null, List.of());
        } catch (XMLStreamException e) {
            int line = e.getLocation() != null ? Math.max(0, e.getLocation().getLineNumber()) : 0;
            String msg = e.getMessage();
            int idx = msg == null ? -1 : msg.indexOf("Message: ");
            throw new ConfigException(new Origin(file, lines.original(line)),
                    "syntax error: " + TreeParser.firstLine(idx >= 0 ? msg.substring(idx + 9) : String.valueOf(msg), "unreadable"));
        } finally {
            if (r != null) {
                try {
                    r.close();
                } catch (XMLStreamException ignored) {
                    // nothing to release beyond the string reader
                }
            }
        }
    }

    /** Reads a section element's children (the reader is on its start tag) up to its end tag. */
    private static List<RawSection.RawOption> section(Path file, XMLStreamReader r, String id, Magic.Substituted lines)
            throws XMLStreamException, ConfigException {
        List<RawSection.RawOption> out = new ArrayList<>();
        while (true) {
            int ev = r.next();
            switch (ev) {
                case XMLStreamConstants.END_ELEMENT -> {
                    return out;
                }
                case XMLStreamConstants.CDATA -> {
                    int line = at(file, r, lines).line();
                    StringBuilder sb = new StringBuilder(r.getText());
                    add(file, out, new RawSection.RawOption("eval", sb.toString(), line));
                }
                case XMLStreamConstants.DTD -> throw new ConfigException(at(file, r, lines), "DTDs are not allowed in configuration files");
                case XMLStreamConstants.ENTITY_REFERENCE ->
                    throw new ConfigException(at(file, r, lines), "entity '&" + r.getLocalName() + ";' is not allowed");
                case XMLStreamConstants.START_ELEMENT -> option(file, r, id, lines, out);
                default -> {
                    // text between options, comments, processing instructions: not options
                }
            }
        }
    }

    /** One option element: its value is its first child's content, or 1 when it has none. */
    private static void option(Path file, XMLStreamReader r, String id, Magic.Substituted lines, List<RawSection.RawOption> out)
            throws XMLStreamException, ConfigException {
        String key = r.getLocalName();
        int line = at(file, r, lines).line();
        String nodeId = r.getAttributeValue(null, "id");
        String mountpoint = r.getAttributeValue(null, "mountpoint");
        String domain = r.getAttributeValue(null, "domain");
        boolean skip = id != null && nodeId != null && !id.equals(nodeId);
        // children as (kind, content); only the first two matter
        List<String> kinds = new ArrayList<>();
        List<String> contents = new ArrayList<>();
        String nestedText = null;
        StringBuilder text = null;
        while (true) {
            int ev = r.next();
            if (ev == XMLStreamConstants.CHARACTERS || ev == XMLStreamConstants.SPACE) {
                if (text == null) {
                    text = new StringBuilder();
                    kinds.add("text");
                    contents.add(null);
                }
                text.append(r.getText());
                contents.set(contents.size() - 1, text.toString());
                continue;
            }
            text = null;
            switch (ev) {
                case XMLStreamConstants.END_ELEMENT -> {
                    if (!skip) emit(file, key, line, kinds, contents, nestedText, mountpoint, domain, out);
                    return;
                }
                case XMLStreamConstants.CDATA -> {
                    kinds.add("cdata");
                    contents.add(r.getText());
                }
                case XMLStreamConstants.COMMENT -> {
                    kinds.add("comment");
                    contents.add(r.getText());
                }
                case XMLStreamConstants.PROCESSING_INSTRUCTION -> {
                    kinds.add("pi");
                    contents.add(r.getPIData() == null ? "" : r.getPIData());
                }
                case XMLStreamConstants.START_ELEMENT -> {
                    if (kinds.isEmpty() && !key.equals("app")) {
                        // libxml2 gives no content here and uWSGI crashes on it
                        throw new ConfigException(new Origin(file, line), "option <" + key + "> must hold text, not elements");
                    }
                    kinds.add("element");
                    contents.add(null);
                    String inner = skip(file, r, lines, 1);
                    if (kinds.size() == 2 && nestedText == null) nestedText = inner;
                }
                case XMLStreamConstants.DTD -> throw new ConfigException(at(file, r, lines), "DTDs are not allowed in configuration files");
                case XMLStreamConstants.ENTITY_REFERENCE ->
                    throw new ConfigException(at(file, r, lines), "entity '&" + r.getLocalName() + ";' is not allowed");
                default -> {
                }
            }
        }
    }

    private static void emit(Path file, String key, int line, List<String> kinds, List<String> contents, String nestedText,
                             String mountpoint, String domain, List<RawSection.RawOption> out) throws ConfigException {
        if (!key.equals("app")) {
            add(file, out, new RawSection.RawOption(key, kinds.isEmpty() ? "1" : contents.get(0), line));
            return;
        }
        // <app mountpoint="/x">script</app>: uWSGI's old form, a mount plus an empty app option
        String script = null;
        if (kinds.isEmpty()) {
            add(file, out, new RawSection.RawOption("app", "", line));
            return;
        }
        if (kinds.size() == 1 && contents.get(0) != null) {
            script = contents.get(0);
        } else if (kinds.size() > 1 && "element".equals(kinds.get(1)) && nestedText != null) {
            script = nestedText;
        }
        if (script == null) return;
        if (mountpoint != null) script = mountpoint + "=" + script;
        else if (domain != null) script = domain + "|=" + script;
        add(file, out, new RawSection.RawOption("mount", script, line));
        add(file, out, new RawSection.RawOption("app", "", line));
    }

    /** Skips an element whose start tag was just read; returns its first child's text, if any. */
    private static String skip(Path file, XMLStreamReader r, Magic.Substituted lines, int depth)
            throws XMLStreamException, ConfigException {
        String first = null;
        boolean firstSeen = false;
        int d = depth;
        while (d > 0) {
            int ev = r.next();
            switch (ev) {
                case XMLStreamConstants.START_ELEMENT -> {
                    if (++d > MAX_DEPTH) {
                        throw new ConfigException(at(file, r, lines), "nesting deeper than " + MAX_DEPTH + " levels");
                    }
                    firstSeen = true;
                }
                case XMLStreamConstants.END_ELEMENT -> d--;
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.SPACE, XMLStreamConstants.CDATA -> {
                    if (!firstSeen && d == depth) {
                        first = first == null ? r.getText() : first + r.getText();
                    }
                }
                case XMLStreamConstants.ENTITY_REFERENCE ->
                    throw new ConfigException(at(file, r, lines), "entity '&" + r.getLocalName() + ";' is not allowed");
                default -> firstSeen = firstSeen || d == depth;
            }
        }
        return first;
    }

    private static void add(Path file, List<RawSection.RawOption> out, RawSection.RawOption option) throws ConfigException {
        if (out.size() >= Limits.MAX_OPTIONS) {
            throw new ConfigException(new Origin(file, option.line()), "more than " + Limits.MAX_OPTIONS + " options; refusing the file");
        }
        out.add(option);
    }

    private static Origin at(Path file, XMLStreamReader r, Magic.Substituted lines) {
        return new Origin(file, lines.original(Math.max(0, r.getLocation().getLineNumber())));
    }
}
