package dev.emperor.config.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/config.md documents every option of the schema, and nothing else, as the schema says. */
class SchemaDocTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\|", Pattern.MULTILINE);

    private static String optionsSection() throws Exception {
        // surefire runs in the module's folder; the docs are one level up
        Path doc = Path.of("..", "docs", "config.md");
        assertThat(doc).as("docs/config.md next to the modules").exists();
        String text = Files.readString(doc);
        int start = text.indexOf("\n## Options\n");
        assertThat(start).as("docs/config.md has a '## Options' section").isNotNegative();
        int end = text.indexOf("\n## ", start + 1);
        return text.substring(start, end < 0 ? text.length() : end);
    }

    @Test
    void everyOptionOfTheSchemaIsDocumentedAndEveryDocumentedOptionIsInTheSchema() throws Exception {
        Set<String> documented = new LinkedHashSet<>();
        Matcher m = ROW.matcher(optionsSection());
        while (m.find()) documented.add(m.group(1));
        Set<String> declared = new LinkedHashSet<>();
        Schema.standard().options().forEach(o -> declared.add(o.name()));

        assertThat(declared).as("options in the schema but not in docs/config.md (run `emperor config options`,"
                + " or paste Schema.markdownTable())").isSubsetOf(documented);
        assertThat(documented).as("options in docs/config.md that the schema does not declare").isSubsetOf(declared);
    }

    @Test
    void theDocumentedTableSaysWhatTheSchemaSays() throws Exception {
        assertThat(optionsSection()).contains(Schema.standard().markdownTable());
    }
}
