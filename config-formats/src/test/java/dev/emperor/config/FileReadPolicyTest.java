package dev.emperor.config;

import static dev.emperor.config.Files4Test.ENV;
import static dev.emperor.config.Files4Test.pairs;
import static dev.emperor.config.Files4Test.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.emperor.config.FileReadPolicy.Purpose;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every file a load reads passes through the loader's one read policy, and a refusal names the reading line. */
class FileReadPolicyTest {

    @TempDir
    Path dir;

    /** Records what it is asked to open, and refuses the files named "secret*". */
    private static final class Recording implements FileReadPolicy {
        final List<String> reads = new ArrayList<>();

        @Override
        public InputStream open(Path file, Purpose purpose) throws IOException {
            reads.add(purpose + " " + file.getFileName());
            if (file.getFileName().toString().startsWith("secret")) {
                throw new Refused(file + " is owned by mallory; chown root " + file);
            }
            return Files.newInputStream(file);
        }
    }

    @Test
    void everyReadOfALoadGoesThroughThePolicyWithItsPurpose() throws Exception {
        write(dir, "common.ini", "[vassal]\nc = 1\n[other]\no = 2\n");
        write(dir, "more.yaml", "vassal:\n  m: 3\n");
        write(dir, "base.json", "{\"vassal\": {\"b\": 4}}");
        write(dir, "token.txt", "s3cr3t\n");
        write(dir, "hosts.txt", "a\nb\n");
        Path app = write(dir, "app.ini", """
                [vassal]
                ini = common.ini
                ini = common.ini:other
                include = more.yaml
                env = TOKEN=@(token.txt)
                for-readline = hosts.txt
                host = %(_)
                endfor =
                inherit = base.json
                """);
        Recording policy = new Recording();
        var config = new ConfigLoader(ENV).withReadPolicy(policy).loadVassal(app);

        assertThat(policy.reads).containsExactly("CONFIG app.ini", "INCLUDE common.ini", "INCLUDE common.ini",
                "INCLUDE more.yaml", "READLINE hosts.txt", "FILE_VALUE token.txt", "INCLUDE base.json");
        assertThat(pairs(config)).contains("c=1", "o=2", "m=3", "env=TOKEN=s3cr3t", "host=a", "host=b", "b=4");
    }

    @Test
    void theDefaultLoaderReadsWithoutAPolicyInTheWay() throws Exception {
        Path app = write(dir, "app.ini", "[vassal]\nx = @(secret.txt)\n");
        write(dir, "secret.txt", "visible to its owner");
        assertThat(pairs(new ConfigLoader(ENV).loadVassal(app))).containsExactly("x=visible to its owner");
    }

    @Test
    void aRefusedIncludeIsAnErrorAtTheLineThatNamesIt() {
        write(dir, "secret.ini", "[vassal]\nuid = root\n");
        Path app = write(dir, "app.ini", "[vassal]\ncommand = x\nini = secret.ini\n");
        ConfigException e = refuseWith(new Recording(), app);
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.origin()).isEqualTo(new Origin(app, 3));
            assertThat(err.message()).contains("cannot read 'secret.ini'").contains("owned by mallory")
                    .contains("chown root");
            assertThat(err.publicText()).startsWith(app + ":3: ").doesNotContain("secret.ini").doesNotContain("mallory");
        });
    }

    @Test
    void aRefusedFileValueOrTopFileIsRefusedToo() {
        write(dir, "secret.key", "-----BEGIN PRIVATE KEY-----\n");
        Path app = write(dir, "app.ini", "[vassal]\ncommand = x\nenv = K=@(secret.key)\n");
        ConfigException e = refuseWith(new Recording(), app);
        assertThat(e.errors().get(0).origin()).isEqualTo(new Origin(app, 3));
        assertThat(e.getMessage()).doesNotContain("BEGIN");

        Path top = write(dir, "secret-app.ini", "[vassal]\ncommand = x\n");
        ConfigException topError = refuseWith(new Recording(), top);
        assertThat(topError.errors().get(0).origin()).isEqualTo(Origin.of(top));
        assertThat(topError.publicText()).contains("refused by the emperor's file trust rules");
    }

    @Test
    void thePublicTextOfAParseErrorQuotesNothingFromTheFile() throws Exception {
        // a vassal "file" that is really a key: the parser's message quotes the line, the public text must not
        Path key = write(dir, "key.json", "{\"vassal\": {\n\"k\": MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n}}\n");
        ConfigException e = refuseWith(FileReadPolicy.ALLOW_ALL, key);
        assertThat(e.getMessage()).contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"); // config check shows the user their line
        assertThat(e.publicText()).isEqualTo(key + ":2: " + ConfigError.DEFAULT_SUMMARY + " (the emperor's log says why)");
        for (ConfigError err : e.errors()) assertThat(err.publicText()).doesNotContain("MIIE");
    }

    private static ConfigException refuseWith(FileReadPolicy policy, Path file) {
        return catchThrowableOfType(ConfigException.class,
                () -> new ConfigLoader(ENV).withReadPolicy(policy).loadVassal(file));
    }
}
