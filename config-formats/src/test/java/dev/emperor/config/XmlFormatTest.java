package dev.emperor.config;

import static dev.emperor.config.Files4Test.lines;
import static dev.emperor.config.Files4Test.load;
import static dev.emperor.config.Files4Test.pairs;
import static dev.emperor.config.Files4Test.refuse;
import static dev.emperor.config.Files4Test.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XmlFormatTest {

    @TempDir
    Path dir;

    @Test
    void childElementsAreOptionsWithTheirLines() throws Exception {
        var config = load(dir, "app.xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- a vassal -->
                <vassal>
                  <command>python3 -m http.server</command>
                  <processes>
                    2
                  </processes>
                  <env>A=1</env>
                  <env>B=2</env>
                  <master/>
                </vassal>
                """);
        assertThat(config.format()).isEqualTo(ConfigFormat.XML);
        assertThat(config.section()).isEqualTo("vassal");
        // as libxml2 gives it to uWSGI: the text untrimmed, an empty element is "1"
        assertThat(pairs(config)).containsExactly(
                "command=python3 -m http.server", "processes=\n    2\n  ", "env=A=1", "env=B=2", "master=1");
        assertThat(lines(config)).containsExactly(4, 5, 8, 9, 10);
    }

    @Test
    void repeatedElementsRepeatTheKeyInOrder() throws Exception {
        var config = load(dir, "app.xml", "<vassal><env>A=1</env><command>x</command><env>A=2</env></vassal>");
        assertThat(config.options().all("env")).extracting(OptionValue::value).containsExactly("A=1", "A=2");
        assertThat(config.options().keys()).containsExactly("env", "command");
    }

    @Test
    void predefinedEntitiesCdataCommentsAndCharacterReferencesWork() throws Exception {
        var config = load(dir, "app.xml", """
                <vassal>
                  <command>sh -c 'a &amp;&amp; b &lt; c'</command>
                  <shell><![CDATA[<true>]]></shell>
                  <logto>a<!-- note -->b&#x43;&#68;</logto>
                </vassal>
                """);
        // uWSGI takes an option's FIRST child only: the text before the comment
        assertThat(pairs(config)).containsExactly("command=sh -c 'a && b < c'", "shell=<true>", "logto=a");
    }

    @Test
    void attributesAreNotOptionsLikeInUwsgi() throws Exception {
        var config = load(dir, "app.xml", "<vassal processes=\"2\">\n  <command a=\"b\">x</command>\n</vassal>\n");
        assertThat(pairs(config)).containsExactly("command=x");
        assertThat(lines(config)).containsExactly(2);
    }

    @Test
    void anIdSelectsTheSectionAndItsOptions() throws Exception {
        Path file = write(dir, "app.xml", "<all>\n<vassal id=\"a\"><command>a</command></vassal>\n"
                + "<vassal id=\"b\"><command>b</command><x id=\"a\">no</x><y id=\"b\">yes</y></vassal>\n</all>\n");
        assertThat(pairs(load(file))).containsExactly("command=a");
        var b = new ConfigLoader(Files4Test.ENV).load(file, "b", ConfigLoader.VASSAL_SECTIONS);
        assertThat(pairs(b)).containsExactly("command=b", "y=yes");
    }

    @Test
    void aUwsgiRootIsTheUwsgiSection() throws Exception {
        var config = load(dir, "app.xml", "<uwsgi><socket>:3031</socket><workers>4</workers></uwsgi>");
        assertThat(config.section()).isEqualTo("uwsgi");
        assertThat(pairs(config)).containsExactly("socket=:3031", "workers=4");
    }

    @Test
    void anotherRootIsAnErrorWithItsLine() {
        Path file = write(dir, "app.xml", "<?xml version=\"1.0\"?>\n<emperor>\n  <command>x</command>\n</emperor>\n");
        ConfigException e = refuse(file);
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin()).isEqualTo(new Origin(file, 2));
            assertThat(err.message()).contains("<vassal>").contains("<emperor>");
        });
    }

    @Test
    void anElementAsAnOptionsFirstChildIsAnError() {
        // libxml2 gives no content there and uWSGI crashes on it
        Path file = write(dir, "app.xml", "<vassal>\n  <command>x</command>\n  <env><A>1</A></env>\n</vassal>\n");
        ConfigException e = refuse(file);
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin()).isEqualTo(new Origin(file, 3));
            assertThat(err.message()).contains("<env>").contains("text");
        });
    }

    @Test
    void textBeforeAnElementIsTheValueAsInUwsgi() throws Exception {
        var config = load(dir, "app.xml", "<vassal>\n  <env>\n    <A>1</A>\n  </env>\n</vassal>\n");
        assertThat(pairs(config)).containsExactly("env=\n    ");
    }

    @Test
    void deepNestingIsRefusedQuickly() {
        Path file = write(dir, "deep.xml", "<vassal>" + "<a>".repeat(100_000));
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refuse(file));
        assertThat(e.getMessage()).contains("must hold text");
    }

    @Test
    void malformedXmlIsASyntaxErrorWithALine() {
        Path file = write(dir, "app.xml", "<vassal>\n  <command>x</command>\n  <env>A=1</vassal>\n");
        ConfigException e = refuse(file);
        assertThat(e.getMessage()).contains("syntax error");
        assertThat(e.errors().get(0).origin().line()).isEqualTo(3);
    }

    @Test
    void anEmptyOrTruncatedFileIsASyntaxError() {
        assertThat(refuse(dir, "a.xml", "").getMessage()).contains("syntax error");
        assertThat(refuse(dir, "b.xml", "<vassal><command>x</command>").getMessage()).contains("syntax error");
        assertThat(refuse(dir, "c.xml", "<vassal/><vassal/>").getMessage()).contains("syntax error");
        assertThat(refuse(dir, "d.xml", "<v:vassal><command>x</command></v:vassal>").getMessage()).contains("syntax error");
    }

    @Test
    void anUndeclaredEntityIsRefused() {
        Path file = write(dir, "app.xml", "<vassal>\n<command>&secret;</command>\n</vassal>\n");
        ConfigException e = refuse(file);
        assertThat(e.errors().get(0).origin().line()).isEqualTo(2);
        assertThat(e.getMessage()).contains("secret");
    }

    @Test
    void anInternalDtdIsRefusedWithItsLine() {
        Path file = write(dir, "app.xml", """
                <?xml version="1.0"?>
                <!DOCTYPE vassal [<!ENTITY name "value">]>
                <vassal><command>&name;</command></vassal>
                """);
        ConfigException e = refuse(file);
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin()).isEqualTo(new Origin(file, 2));
            assertThat(err.message()).contains("DTD");
        });
    }

    @Test
    void anXmlEntityBombIsRefusedQuickly() {
        StringBuilder dtd = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE vassal [\n<!ENTITY l0 \"lol\">\n");
        for (int i = 1; i <= 10; i++) {
            dtd.append("<!ENTITY l").append(i).append(" \"").append(("&l" + (i - 1) + ";").repeat(10)).append("\">\n");
        }
        dtd.append("]>\n<vassal><command>&l10;</command></vassal>\n");
        Path file = write(dir, "bomb.xml", dtd.toString());
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refuse(file));
        assertThat(e.getMessage()).contains("DTD");
    }

    @Test
    void externalEntitiesAndDtdsAreNeverFetched() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "TOP-SECRET-CONTENT");
        try (var canary = new LocalHttpCanary()) {
            String[] attacks = {
                "<!DOCTYPE vassal SYSTEM \"" + canary.url("/external.dtd") + "\">",
                "<!DOCTYPE vassal PUBLIC \"-//X//Y//EN\" \"" + canary.url("/public.dtd") + "\">",
                "<!DOCTYPE vassal [<!ENTITY % p SYSTEM \"" + canary.url("/param") + "\"> %p;]>",
                "<!DOCTYPE vassal [<!ENTITY e SYSTEM \"" + canary.url("/entity") + "\">]>",
                "<!DOCTYPE vassal [<!ENTITY e SYSTEM \"" + secret.toUri() + "\">]>",
            };
            for (int i = 0; i < attacks.length; i++) {
                Path file = write(dir, "attack" + i + ".xml",
                        "<?xml version=\"1.0\"?>\n" + attacks[i] + "\n<vassal><command>&e;</command></vassal>\n");
                ConfigException e = refuse(file);
                assertThat(e.getMessage()).as(attacks[i]).contains("DTD")
                        .doesNotContain("TOP-SECRET").doesNotContain("FETCHED-FROM-CANARY");
            }
            // namespaces and schema hints are just names; nothing follows them either
            var config = load(dir, "ns.xml", "<vassal xmlns:xi=\"http://www.w3.org/2001/XInclude\""
                    + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                    + " xsi:schemaLocation=\"urn:x " + canary.url("/schema.xsd") + "\">"
                    + "<xi:fallback href=\"" + canary.url("/include.xml") + "\"/><command>x</command></vassal>");
            assertThat(config.options().last("command")).map(OptionValue::value).hasValue("x");
            assertThat(canary.requests()).isEmpty();
        }
    }

    @Test
    void anXmlDeclarationThatNamesAnotherEncodingDoesNotChangeTheText() throws Exception {
        var config = load(dir, "app.xml", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><vassal><command>caf\u00e9</command></vassal>");
        assertThat(pairs(config)).containsExactly("command=caf\u00e9");
    }
}
