package dev.emperor.config;

import static dev.emperor.config.Files4Test.load;
import static dev.emperor.config.Files4Test.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code config convert}: what ConfigWriter writes reads back as the same options. */
class RoundTripTest {

    @TempDir
    Path dir;

    private static final String[][] TRICKY = {
        {"percent", "100% sure, %n is not magic, %%"},
        {"placeholder-like", "%[ and %0"},
        {"quotes", "say \"hi\" and 'bye'"},
        {"backslash", "C:\\path\\n not a newline"},
        {"markup", "<a href=\"x\">&amp;</a> ]]>"},
        {"unicode", "caf\u00e9 \u65e5\u672c \uD83D\uDE00"},
        {"empty", ""},
        {"tab", "a\tb"},
        {"repeated", "first"},
        {"repeated", "second"},
        {"yes", "yes"},
        {"null-like", "null"},
        {"tilde", "~"},
        {"colon", "key: value # not a comment"},
        {"number", "010"},
    };
    private static final String[][] ONLY_TREES = {
        {"newline", "line1\nline2\n"},
        {"spaces", "  padded  "},
        {"cr", "a\r\nb"},
    };

    private static OptionModel model(String[][]... groups) {
        List<OptionValue> values = new ArrayList<>();
        for (String[][] g : groups) {
            for (String[] kv : g) values.add(new OptionValue(kv[0], kv[1], Origin.of(Path.of("/x.ini"))));
        }
        return new OptionModel(values);
    }

    private static List<String> pairs(OptionModel m) {
        return m.values().stream().map(v -> v.key() + "=" + v.value()).toList();
    }

    @ParameterizedTest
    @EnumSource(value = ConfigFormat.class, names = {"YAML", "JSON", "XML"})
    void trickyValuesSurviveTheTreeFormats(ConfigFormat format) throws Exception {
        OptionModel original = model(TRICKY, ONLY_TREES);
        String text = ConfigWriter.write(original, format, "vassal");
        var back = load(write(dir, "out." + format.displayName(), text));
        assertThat(pairs(back.options())).as(text).isEqualTo(pairs(original));
    }

    @Test
    void iniCarriesWhatItCanAndRefusesTheRestWithTheOrigin() throws Exception {
        OptionModel original = model(TRICKY);
        var back = load(write(dir, "out.ini", ConfigWriter.write(original, ConfigFormat.INI, "vassal")));
        assertThat(pairs(back.options())).isEqualTo(pairs(original));
        assertThatThrownBy(() -> ConfigWriter.write(model(ONLY_TREES), ConfigFormat.INI, "vassal"))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).errors()).hasSize(3)
                        .allSatisfy(err -> assertThat(err.message()).contains("ini cannot hold")));
    }

    @Test
    void xmlRefusesNamesThatAreNotElements() {
        OptionModel bad = new OptionModel(List.of(new OptionValue("1st", "x", new Origin(Path.of("/a.ini"), 3)),
                new OptionValue("app", "x.py", new Origin(Path.of("/a.ini"), 4))));
        assertThatThrownBy(() -> ConfigWriter.write(bad, ConfigFormat.XML, "uwsgi"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("/a.ini:3").hasMessageContaining("/a.ini:4");
    }

    @Test
    void anEmptyModelIsAnEmptySectionInEveryFormat() throws Exception {
        for (ConfigFormat f : ConfigFormat.values()) {
            var back = load(write(dir, "empty." + f.displayName(), ConfigWriter.write(new OptionModel(List.of()), f, "vassal")));
            assertThat(back.options().isEmpty()).as(f.name()).isTrue();
            assertThat(back.section()).isEqualTo("vassal");
        }
    }

    /**
     * What convert cannot carry, by design (docs/config.md): a case that includes another
     * section of its own file ({@code ini = :extra}: only the selected section is converted),
     * and one whose included file names the first file with upper-case magic ({@code %N}).
     */
    private static final java.util.Set<String> NOT_CONVERTIBLE = java.util.Set.of(
            "ini/include-same-file.ini", "ini/include-upper.ini");

    /**
     * The convert property over the whole corpus: the unexpanded options of each case, written
     * in each format next to it, load to exactly the show() of the original.
     */
    @Test
    void everyCorpusCaseConvertsToEveryFormatWithTheSameShow() throws Exception {
        Path root = CorpusTest.corpus();
        int converted = 0;
        List<String> refused = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Path file : CorpusTest.cases()) {
            if (Files.readString(file.resolveSibling(file.getFileName() + ".expected")).equals("!error\n")) continue;
            if (NOT_CONVERTIBLE.contains(root.relativize(file).toString())) continue;
            Path sectionFile = file.resolveSibling(file.getFileName() + ".section");
            String section = Files.exists(sectionFile) ? Files.readString(sectionFile).strip() : null;
            ConfigLoader loader = new ConfigLoader(CorpusTest.ENV).withWorkingDirectory(file.getParent());
            Path name = file.getFileName();
            String original = loader.load(name, section, List.of("uwsgi")).options().show();
            var raw = loader.loadUnexpanded(name, section, List.of("uwsgi"));
            for (ConfigFormat f : ConfigFormat.values()) {
                String base = name.toString().substring(0, name.toString().lastIndexOf('.'));
                // next to the original with the same base name: %n, %d and the rest mean the same there
                Path out = file.resolveSibling(base + "." + f.displayName());
                Path aside = file.resolveSibling(name + ".aside");
                boolean same = out.equals(file);
                String text;
                // XML has no named sections (FILE.xml:NAME selects <uwsgi id="NAME">): write <uwsgi>
                String target = f == ConfigFormat.XML ? "uwsgi" : section != null ? section : raw.section();
                try {
                    text = ConfigWriter.writeSource(raw.options(), f, target);
                } catch (ConfigException e) {
                    refused.add(root.relativize(file) + " -> " + f + ": " + e.getMessage());
                    continue;
                }
                boolean existed = !same && Files.exists(out);
                assertThat(existed).as("%s would overwrite a corpus file", out).isFalse();
                if (same) Files.move(file, aside);
                try {
                    Files.writeString(out, text);
                    String back = loader.load(out.getFileName(), section, List.of("uwsgi")).options().show();
                    boolean lists = f == ConfigFormat.YAML || f == ConfigFormat.JSON;
                    if (!back.equals(original) && !(lists && gathered(back).equals(gathered(original)))) {
                        failures.add(root.relativize(file) + " -> " + f + ":\n" + CorpusTest.diff(original, back));
                    }
                    converted++;
                } catch (ConfigException e) {
                    failures.add(root.relativize(file) + " -> " + f + ": " + e.getMessage());
                } finally {
                    Files.deleteIfExists(out);
                    if (same) Files.move(aside, file);
                }
            }
        }
        assertThat(failures).as("conversions that changed show()").isEmpty();
        // ini and XML cannot carry every name and value (see ConfigWriter); YAML and JSON carry all,
        // except a key repeated around options whose order matters (a list would move it)
        assertThat(refused).allSatisfy(r -> assertThat(r).matches("(?s).* -> (INI|XML): .*|.* -> (YAML|JSON): .*whose order matters.*"));
        assertThat(refused.stream().filter(r -> r.matches("(?s).* -> (INI|XML): .*"))).hasSizeLessThan(20);
        assertThat(converted).isGreaterThan(500);
    }

    /** show() with each key's lines gathered where the key first appears: what a YAML or JSON list keeps. */
    private static String gathered(String show) {
        java.util.Map<String, StringBuilder> byKey = new java.util.LinkedHashMap<>();
        for (String line : show.lines().toList()) {
            int eq = line.indexOf(" = ");
            String key = eq < 0 ? line : line.substring(0, eq);
            byKey.computeIfAbsent(key, k -> new StringBuilder()).append(line).append('\n');
        }
        return String.join("", byKey.values());
    }
}
