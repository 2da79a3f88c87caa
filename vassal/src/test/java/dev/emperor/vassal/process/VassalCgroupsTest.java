package dev.emperor.vassal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each vassal in its own cgroup: found where the kernel mounts it, joined before exec, killed whole. */
class VassalCgroupsTest {

    @TempDir
    Path tmp;

    @Test
    void findsItsOwnCgroupUnderTheCgroup2Mount() throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("unified/system.slice/emperor.service"));
        Path mountinfo = Files.writeString(tmp.resolve("mountinfo"), """
                31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
                35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
                41 31 0:38 / %s rw,relatime - cgroup2 cgroup2 rw
                """.formatted(tmp.resolve("unified")));
        Path cgroup = Files.writeString(tmp.resolve("cgroup"), "4:memory:/x\n0::/system.slice/emperor.service\n");
        assertThat(VassalCgroups.ownCgroup(mountinfo, cgroup)).contains(mnt);

        Path v1only = Files.writeString(tmp.resolve("cgroup-v1"), "4:memory:/x\n1:name=systemd:/\n");
        assertThat(VassalCgroups.ownCgroup(mountinfo, v1only)).isEmpty();
    }

    @Test
    void vassalNamesBecomeDirectoriesTheKernelCannotMistake() {
        assertThat(VassalCgroups.dirName("web")).isEqualTo("v-web");
        assertThat(VassalCgroups.dirName("cgroup.procs")).isEqualTo("v-cgroup.procs");
        assertThat(VassalCgroups.dirName("a b/c")).startsWith("v-a_b_c-").doesNotContain(" ", "/");
        assertThat(VassalCgroups.dirName("a b")).isNotEqualTo(VassalCgroups.dirName("a_b"));
    }

    @Test
    void aWorkersSetsidGrandchildWithNoEnvironmentDiesWithItsVassal() throws Exception {
        Optional<VassalCgroups> probe = VassalCgroups.detect(tmp.resolve("probe-run"));
        probe.ifPresent(VassalCgroups::close);
        assumeTrue(probe.isPresent(), "no writable cgroup v2 hierarchy here; the environment sweep covers this case");

        Path run = Files.createDirectories(tmp.resolve("run"));
        try (OutputPump pump = new OutputPump(); ChildReaper reaper = new ChildReaper();
             WorkerLauncher launcher = WorkerLauncher.install(run.resolve("bin"), pump)) {
            VassalCgroups cgroups = launcher.cgroups().orElseThrow();
            Path pidFile = tmp.resolve("grandchild.pid");
            String script = "setsid sh -c 'echo $$ > " + pidFile + "; exec env -i sleep 3601' </dev/null >/dev/null 2>&1 &"
                    + " exec sleep 3602";
            long worker = launcher.launch(new LaunchSpec(List.of("sh", "-c", script),
                    Map.of("PATH", "/usr/bin:/bin", "EMPEROR_VASSAL", "app"), tmp,
                    new LogTarget(tmp.resolve("app.log"), 0, 1), "", ProcessLimits.NONE));
            reaper.watch(worker, (p, exit) -> { });
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(pidFile)
                    && !Files.readString(pidFile).isBlank());
            long grandchild = Long.parseLong(Files.readString(pidFile).strip());
            Path dir = cgroups.root().resolve("v-app");
            // It left the worker's session and has no EMPEROR_* in its environment, yet it is in the cgroup.
            assertThat(Posix.processGroup(grandchild)).isNotEqualTo(worker);
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(Path.of("/proc/" + grandchild + "/environ"))
                    .isEmpty());
            assertThat(Files.readAllLines(dir.resolve("cgroup.procs"))).contains(Long.toString(worker),
                    Long.toString(grandchild));

            Posix.kill(worker, Signal.KILL); // the vassal's last worker is gone; the grandchild lives on
            await().atMost(Duration.ofSeconds(10)).until(() -> gone(worker));
            assertThat(gone(grandchild)).isFalse();

            assertThat(launcher.vassalStopped("app")).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> gone(grandchild));
            // The cgroup goes as soon as the kernel is done with it (now, or at the next stop).
            launcher.vassalStopped("other");
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                launcher.vassalStopped("other");
                return !Files.exists(dir);
            });
        }
    }

    /** Exited: no such process, or a zombie waiting for whoever inherited it. */
    private static boolean gone(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/stat")).replaceFirst(".*\\) ", "").startsWith("Z");
        } catch (java.io.IOException e) {
            return true;
        }
    }
}
