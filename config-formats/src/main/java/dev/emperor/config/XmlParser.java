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
 * XML in uWSGI's shape: a root element ({@code <vassal>} or {@code <uwsgi>}) whose child
 * elements are options ({@code <processes>2</processes>}); a repeated element repeats the
 * key. DTDs and external entities are off: the file is untrusted.
 */
final class XmlParser {

    private XmlParser() {
    }

    static IniParser.Section parse(Path file, String text, List<String> sections) throws ConfigException {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        List<OptionValue> values = new ArrayList<>();
        String root = null;
        XMLStreamReader r = null;
        try {
            r = factory.createXMLStreamReader(new StringReader(text));
            int depth = 0;
            String key = null;
            int keyLine = 0;
            StringBuilder value = new StringBuilder();
            while (r.hasNext()) {
                int ev = r.next();
                switch (ev) {
                    case XMLStreamConstants.DTD ->
                        throw new ConfigException(new Origin(file, r.getLocation().getLineNumber()),
                                "DTDs are not allowed in configuration files");
                    case XMLStreamConstants.START_ELEMENT -> {
                        depth++;
                        if (depth == 1) {
                            root = r.getLocalName();
                            if (!sections.contains(root)) {
                                throw new ConfigException(new Origin(file, r.getLocation().getLineNumber()),
                                        "root element must be <" + sections.get(0) + ">, found <" + root + ">");
                            }
                            for (int i = 0; i < r.getAttributeCount(); i++) {
                                values.add(new OptionValue(r.getAttributeLocalName(i), r.getAttributeValue(i),
                                        new Origin(file, r.getLocation().getLineNumber())));
                            }
                        } else if (depth == 2) {
                            key = r.getLocalName();
                            keyLine = r.getLocation().getLineNumber();
                            value.setLength(0);
                        } else {
                            throw new ConfigException(new Origin(file, r.getLocation().getLineNumber()),
                                    "option <" + key + "> must hold text, not elements");
                        }
                    }
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA -> {
                        if (depth == 2) value.append(r.getText());
                    }
                    case XMLStreamConstants.ENTITY_REFERENCE ->
                        throw new ConfigException(new Origin(file, r.getLocation().getLineNumber()),
                                "entity '&" + r.getLocalName() + ";' is not allowed");
                    case XMLStreamConstants.END_ELEMENT -> {
                        if (depth == 2) {
                            values.add(new OptionValue(key, value.toString().strip(), new Origin(file, keyLine)));
                        }
                        depth--;
                    }
                    default -> {
                    }
                }
            }
        } catch (XMLStreamException e) {
            int line = e.getLocation() != null ? Math.max(0, e.getLocation().getLineNumber()) : 0;
            String msg = e.getMessage();
            int idx = msg == null ? -1 : msg.indexOf("Message: ");
            throw new ConfigException(new Origin(file, line),
                    "syntax error: " + (idx >= 0 ? msg.substring(idx + 9) : String.valueOf(msg)));
        } finally {
            if (r != null) {
                try {
                    r.close();
                } catch (XMLStreamException ignored) {
                    // nothing to release beyond the string reader
                }
            }
        }
        return new IniParser.Section(root, values);
    }
}
