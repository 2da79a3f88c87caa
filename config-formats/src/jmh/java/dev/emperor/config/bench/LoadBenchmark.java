package dev.emperor.config.bench;

import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the emperor pays to read vassal files: one typical 40-line file (parse, magic
 * variables, $(ENV), %(key), a for block, an include), and a directory of 1,000 of them as
 * at start-up. {@code mvn -Pjmh -pl config-formats verify}.
 */
@State(Scope.Benchmark)
public class LoadBenchmark {

    /** A typical vassal file: 40 lines with comments, placeholders, env, a loop and an include. */
    static final String TYPICAL = """
            ; a web application
            [vassal]
            name = %n
            base = /srv/apps/%(name)
            command = java -Xmx512m -jar %(base)/app.jar --port %(port) --name %(name)
            port = 8080
            processes = 4
            master = true
            lazy-apps = true
            chdir = %(base)
            logto = /var/log/emperor/%(name).log
            log-maxsize = 50M
            stop-signal = SIGTERM
            reload-mercy = 15
            ready-after = 3
            max-fast-failures = 5
            heartbeat = 10
            agent = true
            uid = www-data
            gid = www-data
            umask = 022
            limit-nofile = 65536
            env = HOME=$(HOME)
            env = APP_NAME=%(name)
            env = APP_PORT=%(port)
            env = JAVA_HOME=/usr/lib/jvm/default
            env = LANG=C.UTF-8
            ; one variable per region
            for = eu us asia
            env = REGION_%(_)=enabled
            endfor =
            touch-reload = %(base)/reload.trigger
            touch-reload = %p
            reload-on-rss = 1024
            ini = common.ini
            # the same settings under another name
            preload = %(base)/bin/warm-up --workers %(processes + 0)
            shell = false
            limit-core = 0
            """;

    private Path dir;
    private Path typical;
    private Path thousand;
    private ConfigLoader loader;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("emperor-bench");
        Files.writeString(dir.resolve("common.ini"), "[vassal]\nenv = COMMON=1\n");
        typical = Files.writeString(dir.resolve("web.ini"), TYPICAL);
        thousand = Files.createDirectory(dir.resolve("vassals"));
        Files.writeString(thousand.resolve("common.ini"), "[vassal]\nenv = COMMON=1\n");
        for (int i = 0; i < 1000; i++) {
            Files.writeString(thousand.resolve("app" + i + ".ini"), TYPICAL.replace("port = 8080", "port = " + (8000 + i)));
        }
        loader = new ConfigLoader(Map.of("HOME", "/home/app"));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object parseAndExpandTypicalFile() throws ConfigException {
        return loader.loadVassal(typical);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public void loadThousandFiles(Blackhole bh) throws ConfigException {
        for (int i = 0; i < 1000; i++) {
            bh.consume(loader.loadVassal(thousand.resolve("app" + i + ".ini")));
        }
    }

    /** Start-up as it really happens: a fresh JVM reading 1,000 files once, no warm-up. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public void loadThousandFilesCold(Blackhole bh) throws ConfigException {
        loadThousandFiles(bh);
    }
}
