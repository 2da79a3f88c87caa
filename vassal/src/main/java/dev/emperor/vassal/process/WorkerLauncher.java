package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Starts worker processes so that none can escape supervision. The emperor's thread checks
 * everything it can report by name (program, working directory, accounts), then asks
 * {@code emperor-spawner}, a small static C process of its own ({@link Spawner}; source
 * {@code vassal/src/main/c/emperor-spawner.c}, built with the module and carried in its
 * jar), to fork the worker. The worker, still in the spawner's code:
 * <ol>
 *   <li>puts the worker's output pipe on stdout and stderr (stdin is /dev/null) and starts a
 *       new session and process group (a stop signal reaches everything it forks, and a
 *       Ctrl-C in the emperor's terminal does not reach it behind the emperor's back); every
 *       signal is at its default action and none is blocked (an emperor started in the
 *       background has SIGINT ignored, which a worker would otherwise inherit);</li>
 *   <li>sets resource limits while still root, the umask, then the groups and user, then the
 *       working directory (as the user: root could enter what the user may not); then the
 *       parent-death signal (SIGKILL when the emperor's thread that started the spawner dies:
 *       a SIGKILLed emperor leaves no worker running) and a check
 *       that the emperor is still its parent; it closes every other descriptor and execs the
 *       program in place, so the pid we hold is the program's own.</li>
 * </ol>
 * The worker is forked with CLONE_PARENT: it is the emperor's child, so the
 * {@link ChildReaper} learns of its exit through a pidfd and reaps it; the
 * {@link OutputPump} reads its output. No thread per worker and one exec per worker.
 *
 * <p>Call {@link #launch} from one long-lived platform thread (see the parent-death note
 * above), and {@link #close} once every worker has been stopped.
 */
public final class WorkerLauncher implements AutoCloseable {

    /** Where the spawner is inside this module's jar. */
    static final String SPAWNER_RESOURCE = "emperor-spawner";
    /** The vassal's name in every worker's environment (the agent bridge's WorkerEnvironment.VASSAL). */
    static final String VASSAL_VARIABLE = "EMPEROR_VASSAL";

    private final OutputPump pump;
    private final SpawnerImage image;
    private final Spawner spawner;
    private final LogOpener logOpener;
    private final Path privateLogDir;
    private final Optional<VassalCgroups> cgroups;
    /** RLIMIT_NOFILE as {@code soft:hard} when the launcher was installed, or null if unknown. */
    private final String startingNoFile;

    private WorkerLauncher(SpawnerImage image, Path privateLogDir, Optional<VassalCgroups> cgroups, OutputPump pump,
                           String startingNoFile) {
        this.startingNoFile = startingNoFile;
        this.pump = pump;
        this.image = image;
        this.spawner = new Spawner(image);
        this.logOpener = new LogOpener(image);
        this.privateLogDir = privateLogDir.toAbsolutePath().normalize();
        this.cgroups = cgroups;
    }

    /**
     * Loads the spawner out of the jar (see {@link SpawnerImage}: run from a descriptor, never
     * from a path) and returns a launcher that uses it. {@code binDir} (a directory only the
     * emperor can write) is used only where the kernel refuses to run a memfd; the emperor's
     * private log directory is taken to be its sibling {@code logs}, as in the run dir. Install
     * it before the emperor raises its own descriptor limit: the limit in force now is the one
     * workers get (see {@link #start}).
     */
    public static WorkerLauncher install(Path binDir, OutputPump pump) throws LaunchException {
        return install(binDir, binDir.resolveSibling("logs"), pump);
    }

    /**
     * As {@link #install(Path, OutputPump)}, naming the emperor's private log directory: logs
     * directly in it are opened as the emperor (nobody else can write there); every other log
     * is opened as its vassal's user.
     */
    public static WorkerLauncher install(Path binDir, Path privateLogDir, OutputPump pump) throws LaunchException {
        SpawnerImage image = SpawnerImage.load(binDir);
        Path runDir = binDir.toAbsolutePath().normalize().getParent();
        return new WorkerLauncher(image, privateLogDir, VassalCgroups.detect(runDir), pump, noFileNow());
    }

    /** getrlimit, to remember the descriptor limit the emperor started with. */
    private interface Rlimits extends Library {
        int RLIMIT_NOFILE = 7;

        /** {@code limit}: struct rlimit as {soft, hard} (two unsigned longs on Linux). */
        int getrlimit(int resource, long[] limit) throws LastErrorException;
    }

    /**
     * RLIMIT_NOFILE now, as the spawner's {@code soft:hard}. Read at install, which comes
     * before the emperor raises its own soft limit; null when it cannot be read (workers then
     * inherit the emperor's).
     */
    private static String noFileNow() {
        try {
            long[] limit = new long[2];
            Native.load("c", Rlimits.class).getrlimit(Rlimits.RLIMIT_NOFILE, limit);
            return word(limit[0]) + ":" + word(limit[1]);
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            return null;
        }
    }

    private static String word(long rlim) {
        return rlim == -1L ? "unlimited" : Long.toUnsignedString(rlim);
    }

    /** The vassals' cgroups, where the machine has cgroup v2 and the emperor may use it. */
    public Optional<VassalCgroups> cgroups() {
        return cgroups;
    }

    /**
     * Call when a vassal has stopped (its last worker reaped): with cgroups, whatever it left
     * running (a daemon that left its session and cleared its environment) is killed and its
     * cgroup removed. Returns how many processes were killed; 0 without cgroups, where the
     * environment sweep remains the (best-effort) way.
     */
    public int vassalStopped(String vassal) {
        return cgroups.map(c -> c.vassalStopped(vassal)).orElse(0);
    }

    /** A worker started here has exited: its log gets the exit marker, after its last lines. Any thread. */
    public void exited(long pid, ExitStatus status) {
        pump.exited(pid, status);
    }

    /** Starts the worker and returns its pid; watch it with a {@link ChildReaper} at once. */
    public long launch(LaunchSpec spec) throws LaunchException {
        return start(spec).pid();
    }

    /**
     * A started worker: its pid and the program file that runs (the command's first word
     * resolved on PATH; argv[0] stays the word as written).
     */
    public record Launched(long pid, Path program) {
    }

    /** Starts the worker; watch its pid with a {@link ChildReaper} at once. */
    public Launched start(LaunchSpec spec) throws LaunchException {
        ProcessLimits limits = spec.limits();
        if (limits.changesAccount() && Posix.effectiveUid() != 0) {
            throw new LaunchException("uid/gid need the emperor to run as root (it runs as uid "
                    + Posix.effectiveUid() + ")");
        }
        Optional<Accounts.Account> account = limits.changesAccount()
                ? Optional.of(Accounts.resolve(limits.uid(), limits.gid())) : Optional.empty();
        ProgramLookup.Runner runner = runner(account);
        Path program = ProgramLookup.resolve(spec.argv().get(0), spec.environment(), spec.directory(), runner);
        // Only for the emperor's own user: root answering "does not exist" for a tenant's vassal
        // would tell her what exists in directories she may not enter. Her worker's chdir, as
        // her, fails instead ("cannot change to directory ...", exit 127, in her log).
        if (runner instanceof ProgramLookup.Emperor && !Files.isDirectory(spec.directory())) {
            throw new LaunchException("working directory " + spec.directory() + " does not exist");
        }
        List<String> args = new ArrayList<>(spec.argv().size() + 16);
        Optional<Path> cgroup = cgroupOf(spec);
        if (cgroup.isPresent()) {
            args.add("-c");
            args.add(cgroup.get().toString());
        }
        // The emperor raises its own soft descriptor limit to the hard one; its workers get the
        // limit it was started with (systemd's 1024 keeps select() and fd-walking loops sane),
        // unless they set limit-nofile.
        if (!limits.rlimits().containsKey(ProcessLimits.Resource.NOFILE) && startingNoFile != null) {
            args.add("-r");
            args.add("nofile:" + startingNoFile);
        }
        limits.rlimits().forEach((r, v) -> {
            args.add("-r");
            args.add(r.name().toLowerCase(Locale.ROOT) + ":" + v + ":" + v);
        });
        if (limits.umask().isPresent()) {
            args.add("-m");
            args.add(Integer.toOctalString(limits.umask().getAsInt()));
        }
        args.add("-d");
        args.add(spec.directory().toString());
        LogOpener.Owner logOwner = LogOpener.Owner.EMPEROR;
        if (account.isPresent()) {
            Accounts.Account a = account.get();
            logOwner = LogOpener.Owner.of(a);
            args.add("-G");
            StringBuilder groups = new StringBuilder();
            for (int g : a.groups()) groups.append(groups.isEmpty() ? "" : ",").append(g);
            args.add(groups.toString());
            args.add("-g");
            args.add(Integer.toString(a.gid()));
            if (a.uid() >= 0) {
                args.add("-u");
                args.add(Integer.toString(a.uid()));
            }
        }
        args.add("--");
        args.add(program.toString());
        // argv[0] as the user wrote it, as execvp and every shell pass it: `ps` and `pgrep sleep`
        // see `sleep`, not `/usr/bin/sleep`; the resolved path is what runs (and what /stats shows).
        args.addAll(spec.argv());
        byte[] command = command(args, spec.environment());

        // The log is opened (by the output writer, when the first line comes) as the vassal's
        // user, unless it lies in the emperor's own log directory, which only the emperor can write.
        Path logDir = spec.log().file().getParent();
        boolean privateLog = privateLogDir.equals(logDir);
        String ownLog = spec.environment().getOrDefault("EMPEROR_VASSAL", "") + ".log";
        if (privateLog && !spec.log().file().getFileName().toString().equals(ownLog)) {
            // Opened as the emperor, another name there would let a tenant write into another vassal's log.
            throw new LaunchException("logto " + spec.log().file() + ": the emperor's own log directory holds only"
                    + " each vassal's default log (" + ownLog + "); leave logto out, or name a file elsewhere");
        }
        spec.log().bind(logOpener, privateLog ? LogOpener.Owner.EMPEROR : logOwner);
        // log-journal keeps stderr apart: its lines get a priority of their own
        OutputPump.PendingOutput output = pump.prepare(spec.log().journal() != null);
        int pid;
        try {
            pid = spawner.spawn(command, output.writeFd(), output.errWriteFd());
        } catch (LaunchException e) {
            pump.cancel(output);
            throw new LaunchException("cannot start " + program + ": " + e.getMessage());
        }
        pump.attach(pump.spawned(output), spec.log(), spec.outputPrefix(), pid);
        return new Launched(pid, program);
    }

    /** The spec's own cgroup, else its vassal's (named by EMPEROR_VASSAL) when cgroups are in use. */
    private Optional<Path> cgroupOf(LaunchSpec spec) throws LaunchException {
        if (spec.cgroup().isPresent()) return spec.cgroup();
        String vassal = spec.environment().get(VASSAL_VARIABLE);
        if (cgroups.isEmpty() || vassal == null || vassal.isEmpty()) return Optional.empty();
        return Optional.of(cgroups.get().forVassal(vassal).joinSpec());
    }

    /** Ends the spawner and the log opener, kills what is left in the vassals' cgroups; call once no worker should start any more. */
    @Override
    public void close() {
        cgroups.ifPresent(VassalCgroups::close);
        spawner.close();
        logOpener.close();
        image.close();
    }

    /**
     * The spawner's request: the count of argument fields, the arguments, then the environment,
     * every field NUL-terminated. A NUL inside a value would split it, so it is refused.
     */
    static byte[] command(List<String> args, Map<String, String> environment) throws LaunchException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        field(out, Integer.toString(args.size()));
        for (String a : args) field(out, a);
        for (Map.Entry<String, String> e : environment.entrySet()) field(out, e.getKey() + "=" + e.getValue());
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, String value) throws LaunchException {
        if (value.indexOf('\0') >= 0) {
            throw new LaunchException("an argument or environment value contains a NUL character: "
                    + value.replace('\0', '?'));
        }
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    /**
     * Resolves the program as execvp would (a name with a slash is a path from the working
     * directory, else it is searched on the worker's PATH), as the emperor's own user, so that
     * a missing program is reported by name instead of as an exit code from the spawned
     * worker. {@link #start} judges it as the worker's user (see {@link ProgramLookup}).
     */
    public static Path resolveProgram(LaunchSpec spec) throws LaunchException {
        return ProgramLookup.resolve(spec.argv().get(0), spec.environment(), spec.directory(),
                new ProgramLookup.Emperor());
    }

    /** Whose rights decide which program runs: the worker's user when it is not the emperor's. */
    private static ProgramLookup.Runner runner(Optional<Accounts.Account> account) {
        if (account.isEmpty()) return new ProgramLookup.Emperor();
        Accounts.Account a = account.get();
        int uid = a.uid() >= 0 ? a.uid() : Posix.effectiveUid();
        if (uid == Posix.effectiveUid()) return new ProgramLookup.Emperor();
        return new ProgramLookup.User(uid, a.gid(), a.groups());
    }
}
