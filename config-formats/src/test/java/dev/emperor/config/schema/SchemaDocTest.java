package dev.emperor.config.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/config.md shows the option table generated from the schema; this keeps them equal. */
class SchemaDocTest {

    @Test
    void theDocumentedTableIsTheSchema() throws Exception {
        // surefire runs in the module's folder; the docs are one level up
        Path doc = Path.of("..", "docs", "config.md");
        assertThat(doc).as("docs/config.md next to the modules").exists();
        assertThat(Files.readString(doc)).contains(Schema.standard().markdownTable());
    }
}
