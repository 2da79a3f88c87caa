package dev.emperor.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shipped unit files pass {@code systemd-analyze verify} with no complaint about them. */
class UnitFilesTest {

    private static final Path UNITS = Path.of("..", "packaging", "systemd");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "emperor.service, emperor.service, system",
        "emperor@.service, emperor@web.service, system",
        "user/emperor.service, emperor.service, user",
    })
    void verifies(String shipped, String verifiedAs, String manager) throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed (apt-get install systemd);"
                + " unit files not verified");
        String unit = Files.readString(UNITS.resolve(shipped));
        assertTrue(unit.contains("ExecStart=/usr/bin/emperor "), shipped + " runs the installed emperor");
        // verify refuses an ExecStart (or ExecReload) that does not exist, and no emperor is installed on a build
        // machine: the temp copy runs a real executable instead; every other line is as shipped
        Path copy = Files.createDirectories(tmp.resolve(manager)).resolve(verifiedAs);
        Files.writeString(copy, unit.replace("ExecStart=/usr/bin/emperor ", "ExecStart=/bin/true ")
                .replace("ExecReload=/usr/bin/emperor ", "ExecReload=/bin/true "));
        Path runtime = Files.createDirectories(tmp.resolve("xdg"));
        List<String> cmd = manager.equals("user")
                ? List.of(analyze.toString(), "--user", "verify", copy.toString())
                : List.of(analyze.toString(), "verify", copy.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("XDG_RUNTIME_DIR", runtime.toString()); // a user manager's, for --user
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify did not finish in 60 s");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // unknown keys and bad values are only warnings (exit 0): none may name our unit
        List<String> aboutUs = output.lines().filter(l -> l.contains(verifiedAs) || l.contains(copy.toString()))
                .toList();
        assertEquals(List.of(), aboutUs, shipped + ":\n" + output);
        assertEquals(0, p.exitValue(), shipped + ":\n" + output);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"emperor.service", "emperor@.service", "user/emperor.service"})
    void keepsTheServiceContract(String shipped) throws IOException {
        String unit = Files.readString(UNITS.resolve(shipped));
        for (String line : List.of("Type=notify", "NotifyAccess=main", "KillMode=mixed", "WatchdogSec=30",
                "Restart=on-failure", "Delegate=yes")) {
            assertTrue(unit.lines().anyMatch(line::equals), shipped + " lacks " + line);
        }
        // reload through the control socket of this unit's own emperor: synchronous, and it fails when the settings do not read
        String runDir = unit.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow()
                .replaceAll(".*--run-dir (\\S+).*", "$1");
        String reload = unit.lines().filter(l -> l.startsWith("ExecReload=")).findFirst().orElse("");
        assertTrue(reload.startsWith("ExecReload=/usr/bin/emperor reload --emperor"), shipped + ": " + reload);
        if (!runDir.startsWith("ExecStart=")) {
            assertTrue(reload.endsWith(" --run-dir " + runDir), shipped + ": " + reload + " is not for " + runDir);
        }
        int nofile = unit.lines().filter(l -> l.startsWith("LimitNOFILE=")).findFirst()
                .map(l -> Integer.parseInt(l.substring("LimitNOFILE=".length()))).orElse(0);
        assertTrue(nofile >= 65536, shipped + ": LimitNOFILE=" + nofile);
        int stop = unit.lines().filter(l -> l.startsWith("TimeoutStopSec=")).findFirst()
                .map(l -> Integer.parseInt(l.substring("TimeoutStopSec=".length()))).orElse(0);
        assertTrue(stop > 10 + 5, shipped + ": TimeoutStopSec=" + stop + " does not cover the default reload-mercy");
    }
}
