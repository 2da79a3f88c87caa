package dev.emperor.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every end-to-end test needs: a temp vassal directory, emperors started on it and
 * stopped afterwards, and a marker that finds (and kills) every process the test's vassals
 * started, whatever happened.
 */
abstract class EmperorTestBase {

    @TempDir
    Path tmp;
    Path vassals;
    Path runDir;
    /** A unique argument for the test's programs (see {@link Processes#marker()}). */
    String marker;
    private final List<EmperorProcess> emperors = new ArrayList<>();

    @BeforeEach
    void createVassalDirectory() throws IOException {
        vassals = Files.createDirectories(tmp.resolve("vassals"));
        runDir = tmp.resolve("run");
        marker = Processes.marker();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (EmperorProcess e : emperors) e.close();
        Processes.killAll(marker);
    }

    /** Starts an emperor on {@link #vassals} with {@link #runDir}. */
    EmperorProcess emperor(String... options) throws IOException {
        EmperorProcess e = EmperorProcess.start(vassals, runDir, options);
        emperors.add(e);
        return e;
    }

    /** Writes a vassal file the way deploy tools do: a hidden temp file, then an atomic rename. */
    Path writeVassal(String fileName, String content) throws IOException {
        Path part = vassals.resolve("." + fileName + ".part");
        Files.writeString(part, content);
        return Files.move(part, vassals.resolve(fileName), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Copies a test app from src/test/resources/apps into the temp directory. */
    Path app(String name) throws IOException {
        Path target = tmp.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/apps/" + name)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
