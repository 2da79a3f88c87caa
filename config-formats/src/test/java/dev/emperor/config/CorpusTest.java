package dev.emperor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case in {@code corpus/} is loaded and its {@code show()} compared, line by line, with
 * what uWSGI 2.0.21 printed for it ({@code CASE.expected}, made by
 * {@code src/test/oracle/make-expected.sh}). {@code !error} means uWSGI refused the file, so
 * we must refuse it too. No uwsgi is needed here: only the stored answers are read.
 */
class CorpusTest {

    /** The environment make-expected.sh gives uwsgi. */
    static final Map<String, String> ENV = Map.of("HOME", "/home/tester", "APP_PORT", "8080", "EMPTY", "",
            "PATH", "/usr/bin:/bin", "TRICK_PH", "%(port)", "TRICK_ENV", "$(HOME)/deeper");

    static Path corpus() {
        try {
            return Path.of(CorpusTest.class.getResource("/corpus").toURI()).toRealPath();
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("corpus not on the test class path", e);
        }
    }

    /** The cases: config files outside folders whose name starts with '_'. */
    static List<Path> cases() throws IOException {
        Path root = corpus();
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> ConfigFormat.of(p).isPresent())
                    .filter(p -> root.relativize(p).toString().chars().noneMatch(c -> false)
                            && !root.relativize(p).toString().startsWith("_") && !root.relativize(p).toString().contains("/_"))
                    .sorted()
                    .toList();
        }
    }

    static String ours(Path file) throws ConfigException, IOException {
        Path sectionFile = file.resolveSibling(file.getFileName() + ".section");
        String section = Files.exists(sectionFile) ? Files.readString(sectionFile).strip() : null;
        ConfigLoader loader = new ConfigLoader(ENV);
        // uWSGI's own default section; the file is named as the oracle named it: by its bare name from its folder
        return loader.withWorkingDirectory(file.getParent())
                .load(file.getFileName(), section, List.of("uwsgi")).options().show();
    }

    @TestFactory
    Stream<DynamicTest> everyCaseAgreesWithUwsgi() throws IOException {
        Path root = corpus();
        return cases().stream().map(file -> DynamicTest.dynamicTest(root.relativize(file).toString(), () -> {
            Path expectedFile = file.resolveSibling(file.getFileName() + ".expected");
            assertThat(expectedFile).as("oracle answer for %s (run make-expected.sh)", file).exists();
            String expected = Files.readString(expectedFile, StandardCharsets.UTF_8).replace("@ROOT@", root.toString());
            if (expected.equals("!error\n")) {
                try {
                    String out = ours(file);
                    fail("uWSGI refuses %s but we load it as:%n%s", root.relativize(file), out);
                } catch (ConfigException e) {
                    assertThat(e.errors()).isNotEmpty();
                }
                return;
            }
            String actual;
            try {
                actual = ours(file);
            } catch (ConfigException e) {
                fail("uWSGI loads %s but we refuse it: %s%nuWSGI's answer:%n%s", root.relativize(file), e.getMessage(), expected);
                return;
            }
            if (!actual.equals(expected)) {
                fail("%s differs from uWSGI's show-config:%n%s", root.relativize(file), diff(expected, actual));
            }
        }));
    }

    @Test
    void theCorpusIsLargeAndCoversEveryFormat() throws IOException {
        List<Path> cases = cases();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(150);
        for (ConfigFormat f : ConfigFormat.values()) {
            assertThat(cases.stream().filter(p -> ConfigFormat.of(p).orElseThrow() == f).count())
                    .as("cases in %s", f).isGreaterThanOrEqualTo(25);
        }
    }

    /** A line diff: "  " same, "- " only uWSGI, "+ " only ours. */
    static String diff(String expected, String actual) {
        List<String> a = expected.lines().toList();
        List<String> b = actual.lines().toList();
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<String> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                out.add("  " + a.get(i++));
                j++;
            } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
                out.add("+ " + b.get(j++));
            } else {
                out.add("- " + a.get(i++));
            }
        }
        return "(- uWSGI, + ours)\n" + String.join("\n", out);
    }
}
