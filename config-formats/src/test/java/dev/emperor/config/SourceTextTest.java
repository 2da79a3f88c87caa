package dev.emperor.config;

import static dev.emperor.config.Files4Test.load;
import static dev.emperor.config.Files4Test.pairs;
import static dev.emperor.config.Files4Test.refuse;
import static dev.emperor.config.Files4Test.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files are untrusted input: bounded, UTF-8, no binary; every refusal is a ConfigException. */
class SourceTextTest {

    @TempDir
    Path dir;

    private static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"app.ini", "app.yaml", "app.json", "app.xml"})
    void aNulByteIsBinaryAndNamesItsLine(String name) {
        Path file = write(dir, name, concat(utf8("line one\nline two\nbad"), new byte[] {0}, utf8("\nmore\n")));
        ConfigException e = refuse(file);
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin()).isEqualTo(new Origin(file, 3));
            assertThat(err.message()).contains("binary");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"app.ini", "app.yaml", "app.json", "app.xml"})
    void randomBinaryGarbageIsRefused(String name) {
        byte[] garbage = new byte[4096];
        new Random(1234).nextBytes(garbage);
        garbage[100] = 0; // real binaries are full of NULs; make sure at least one is there
        refuse(write(dir, name, garbage));
    }

    @Test
    void aPngIsRefusedAsBinary() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        assertThat(refuse(write(dir, "picture.yaml", png)).getMessage()).contains("binary");
    }

    @ParameterizedTest
    @ValueSource(strings = {"C328", "FF", "FE", "C0AF", "E282", "EDA080", "F4908080", "80", "E0808F"})
    void invalidUtf8IsRefused(String hex) {
        byte[] bad = java.util.HexFormat.of().parseHex(hex);
        Path file = write(dir, "app.ini", concat(utf8("[vassal]\ncommand = x"), bad, utf8("\n")));
        ConfigException e = refuse(file);
        assertThat(e.errors()).singleElement().satisfies(err -> assertThat(err.message()).contains("UTF-8"));
    }

    @Test
    void latin1IsNotSilentlyAccepted() {
        Path file = write(dir, "app.ini", "[vassal]\ncommand = caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(refuse(file).getMessage()).contains("not valid UTF-8");
    }

    @Test
    void validUtf8IsKeptExactly() throws Exception {
        var config = load(dir, "app.ini", "[vassal]\ncommand = echo caf\u00e9 \u65e5\u672c \uD83D\uDE00\n");
        assertThat(pairs(config)).containsExactly("command=echo caf\u00e9 \u65e5\u672c \uD83D\uDE00");
    }

    @ParameterizedTest
    @ValueSource(strings = {"app.ini", "app.yaml", "app.xml"})
    void aByteOrderMarkIsIgnored(String name) throws Exception {
        String body = switch (name) {
            case "app.ini" -> "[vassal]\ncommand = x\n";
            case "app.yaml" -> "vassal:\n  command: x\n";
            default -> "<vassal><command>x</command></vassal>";
        };
        var config = load(write(dir, name, concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(body))));
        assertThat(pairs(config)).containsExactly("command=x");
        assertThat(config.section()).isEqualTo("vassal");
    }

    @Test
    void exactlyOneMebibyteIsAccepted() throws Exception {
        byte[] head = utf8("[vassal]\ncommand = x\n;");
        byte[] bytes = new byte[SourceText.MAX_BYTES];
        java.util.Arrays.fill(bytes, (byte) 'p');
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[bytes.length - 1] = '\n';
        assertThat(SourceText.MAX_BYTES).isEqualTo(1024 * 1024);
        assertThat(pairs(load(write(dir, "big.ini", bytes)))).containsExactly("command=x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"big.ini", "big.yaml", "big.json", "big.xml"})
    void oneByteMoreIsRefusedBeforeParsing(String name) {
        byte[] head = utf8("[vassal]\ncommand = x\n;");
        byte[] bytes = new byte[SourceText.MAX_BYTES + 1];
        java.util.Arrays.fill(bytes, (byte) 'p');
        System.arraycopy(head, 0, bytes, 0, head.length);
        Path file = write(dir, name, bytes);
        ConfigException e = refuse(file);
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin()).isEqualTo(Origin.of(file));
            assertThat(err.message()).contains("larger than 1024 KiB");
        });
    }

    @Test
    void aHugeFileIsRefusedQuickly() {
        byte[] bytes = new byte[8 * SourceText.MAX_BYTES];
        java.util.Arrays.fill(bytes, (byte) '[');
        Path file = write(dir, "huge.json", bytes);
        long start = System.nanoTime();
        assertThat(refuse(file).getMessage()).contains("larger than");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
    }

    @Test
    void readReturnsTheDecodedText() throws Exception {
        Path file = write(dir, "t.ini", "a\r\nb\u00e9\n");
        assertThat(SourceText.read(file)).isEqualTo("a\r\nb\u00e9\n");
    }
}
