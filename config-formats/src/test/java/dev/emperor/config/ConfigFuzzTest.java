package dev.emperor.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random bytes, random token soup and mutated valid files, each fed to all four formats:
 * the only failure a caller may ever see is a {@link ConfigException} with at least one error
 * naming the file. Deterministic (fixed seed) and bounded, so a failure reproduces.
 */
class ConfigFuzzTest {

    private static final long SEED = 0x5EED_F00DL;
    private static final int INPUTS = 2000;

    private static final String[] VALID = {
        "[vassal]\ncommand = python3 -m http.server %n\nprocesses = 2\nenv = A=$(HOME)\n; c\n# d\nchdir = %d\n"
                + "log = %(chdir)%n.log\n[other]\nx\n",
        "vassal:\n  command: \"java -jar app.jar\"\n  processes: 2\n  env:\n    - A=1\n    - B=%(processes)\n"
                + "  master: yes\nalias: &a [x, y]\nuwsgi:\n  list: *a\n",
        "{\"vassal\": {\"command\": \"sleep 100\", \"processes\": 3, \"env\": [\"A=1\", \"B=\\u00e9\"], \"chdir\": \"%d\"}}\n",
        "<?xml version=\"1.0\"?>\n<vassal master=\"true\">\n  <command>sleep 100 &amp; more</command>\n  <env>A=1</env>\n"
                + "  <!-- c -->\n  <chdir><![CDATA[%d]]></chdir>\n</vassal>\n",
    };

    /** Characters that mean something to at least one of the formats or to the expander. */
    private static final String SYNTAX = "[]{}<>:=,;#&*!|>-'\"\\%$()@?/ \t\n\r\u00e9\uFEFF";
    private static final String[] WORDS = {"vassal", "uwsgi", "command", "env", "&a", "*a", "!!str", "%(x)", "$(HOME)",
        "<!DOCTYPE", "<![CDATA[", "]]>", "---", "...", "%YAML 1.2", "&amp;", "&#0;", "\\u0000", "<vassal>", "</vassal>",
        // uWSGI's file logic: includes (of these very files), blocks, placeholders, arithmetic
        "\nini = fuzz.ini\n", "\nyaml = fuzz.yaml\n", "\ninclude = fuzz.json\n", "\ninherit = fuzz.xml\n", "\nini = :uwsgi\n",
        "\nfor = a b c\n", "\nfor-times = 999999\n", "\nfor-glob = *\n", "\nfor-readline = fuzz.ini\n", "\nendfor =\n",
        "\nif-env = HOME\n", "\nif-not-exists = x\n", "\nif-opt = x=1\n", "\nendif =\n", "\nset = x=%(x)%(x)\n",
        "%(x + 1)", "%(x x x x)", "%(_)", "@(fuzz.ini)", "@(exec://true)", "%%", "%(%(x))", "x%(x)", "<app>", "<xml>"};

    @TempDir
    Path dir;

    /** The placeholder passes alone, on values made of the characters they care about. */
    @Test
    void placeholderSoupAlwaysEnds() throws Exception {
        Random random = new Random(SEED + 1);
        String alphabet = "%$@()xab_ +-*/1";
        ConfigLoader loader = new ConfigLoader(Map.of("x", "$(x)", "a", "%(b)", "HOME", "/h"));
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < 1500 && problems.size() < 5; i++) {
            StringBuilder sb = new StringBuilder("[vassal]\n");
            int options = 1 + random.nextInt(6);
            for (int o = 0; o < options; o++) {
                sb.append("abx_".charAt(random.nextInt(4))).append(" = ");
                int n = random.nextInt(30);
                for (int k = 0; k < n; k++) sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
                sb.append('\n');
            }
            Path file = dir.resolve("soup.ini");
            Files.writeString(file, sb.toString());
            try {
                loader.loadVassal(file);
            } catch (ConfigException e) {
                if (e.errors().isEmpty()) problems.add("empty error list for " + sb);
            } catch (Throwable t) {
                problems.add(t + " for " + sb);
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void onlyConfigExceptionsComeOut() throws Exception {
        Random random = new Random(SEED);
        // one file, four names: every input is written once and read as each format
        Path ini = dir.resolve("fuzz.ini");
        Files.write(ini, new byte[0]);
        List<Path> names = new ArrayList<>(List.of(ini));
        for (String ext : new String[] {"yaml", "json", "xml"}) {
            names.add(Files.createSymbolicLink(dir.resolve("fuzz." + ext), ini));
        }
        ConfigLoader loader = new ConfigLoader(Map.of("HOME", "/home/fuzz"));
        List<String> problems = new ArrayList<>();
        int loaded = 0;
        int refused = 0;
        for (int i = 0; i < INPUTS && problems.size() < 5; i++) {
            byte[] input = switch (i % 4) {
                case 0 -> randomBytes(random);
                case 1 -> tokenSoup(random);
                default -> mutate(random, VALID[random.nextInt(VALID.length)].getBytes(StandardCharsets.UTF_8));
            };
            Files.write(ini, input);
            for (Path file : names) {
                try {
                    ConfigLoader.LoadedConfig config = loader.loadVassal(file);
                    assertThat(config.options()).isNotNull();
                    loaded++;
                } catch (ConfigException e) {
                    refused++;
                    // an error is in this file or in one it includes (they are all in dir)
                    if (e.errors().isEmpty() || !e.errors().stream().allMatch(err -> err.origin().file().startsWith(dir))) {
                        problems.add(file.getFileName() + ": errors without the file: " + e.errors());
                    }
                } catch (Throwable t) { // StackOverflowError, OutOfMemoryError, any RuntimeException
                    problems.add(file.getFileName() + " threw " + t + " for input " + HexFormat.of().formatHex(input));
                }
            }
        }
        assertThat(problems).as("non-ConfigException failures").isEmpty();
        // the generator must exercise both outcomes, or it proves nothing
        assertThat(loaded).isGreaterThan(100);
        assertThat(refused).isGreaterThan(1000);
    }

    private static byte[] randomBytes(Random random) {
        byte[] b = new byte[random.nextInt(300)];
        random.nextBytes(b);
        return b;
    }

    private static byte[] tokenSoup(Random random) {
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(80);
        for (int k = 0; k < n; k++) {
            if (random.nextInt(3) == 0) {
                sb.append(WORDS[random.nextInt(WORDS.length)]);
            } else {
                sb.append(SYNTAX.charAt(random.nextInt(SYNTAX.length())));
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] mutate(Random random, byte[] seed) {
        byte[] b = seed.clone();
        int mutations = 1 + random.nextInt(6);
        for (int m = 0; m < mutations && b.length > 0; m++) {
            int p = random.nextInt(b.length);
            switch (random.nextInt(5)) {
                case 0 -> b[p] = (byte) SYNTAX.charAt(random.nextInt(SYNTAX.length()));
                case 1 -> b[p] = (byte) random.nextInt(256);
                case 2 -> { // delete a run
                    int len = Math.min(b.length - p, 1 + random.nextInt(8));
                    byte[] nb = new byte[b.length - len];
                    System.arraycopy(b, 0, nb, 0, p);
                    System.arraycopy(b, p + len, nb, p, b.length - p - len);
                    b = nb;
                }
                case 3 -> { // duplicate a slice
                    int q = random.nextInt(b.length);
                    int lo = Math.min(p, q);
                    int hi = Math.max(p, q);
                    byte[] nb = new byte[b.length + (hi - lo)];
                    System.arraycopy(b, 0, nb, 0, hi);
                    System.arraycopy(b, lo, nb, hi, b.length - lo);
                    b = nb;
                }
                default -> { // insert a word
                    byte[] w = WORDS[random.nextInt(WORDS.length)].getBytes(StandardCharsets.UTF_8);
                    byte[] nb = new byte[b.length + w.length];
                    System.arraycopy(b, 0, nb, 0, p);
                    System.arraycopy(w, 0, nb, p, w.length);
                    System.arraycopy(b, p, nb, p + w.length, b.length - p);
                    b = nb;
                }
            }
        }
        return b;
    }
}
