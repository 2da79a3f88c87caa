package dev.emperor.vassal.process;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import dev.emperor.vassal.process.Posix.LibC;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Starts worker processes so that none can escape supervision, with one exec of our own
 * before the program's. From the event-loop thread it calls {@code posix_spawn} (through
 * JNA; glibc clones with CLONE_VFORK, so the JVM's size does not matter) on the small static
 * helper {@code emperor-exec} (source: {@code vassal/src/main/c/emperor-exec.c}, built with
 * the module and carried in its jar):
 * <ol>
 *   <li>posix_spawn itself makes the child the leader of a new session and process group
 *       (a stop signal reaches everything it forked, and a Ctrl-C in the emperor's terminal
 *       does not reach it behind the emperor's back), resets every signal to its default
 *       action (an emperor started in the background has SIGINT ignored, which a worker
 *       would inherit; Python's http.server did), unblocks all, and puts /dev/null on stdin
 *       and the worker's output pipe on stdout and stderr;</li>
 *   <li>the helper sets resource limits while still root, the umask, the working directory,
 *       then the groups and user; then the parent-death signal (SIGKILL when the thread that
 *       spawned it dies, which is the emperor's long-lived event-loop thread: a SIGKILLed
 *       emperor leaves no worker running) and a check that the emperor is still its parent;
 *       it closes every other descriptor and execs the program in place, so the pid we hold
 *       is the program's own.</li>
 * </ol>
 * The {@link ChildReaper} learns of the exit; the {@link OutputPump} reads the output. No
 * thread per worker, and two execs per worker instead of the five a ProcessBuilder chain of
 * jspawnhelper, setpriv, setsid and env took.
 *
 * <p>Must be called from one long-lived platform thread (see the parent-death note above).
 */
public final class WorkerLauncher {

    /** Where the helper is inside this module's jar. */
    static final String HELPER_RESOURCE = "emperor-exec";

    private final Path helper;
    private final OutputPump pump;
    private final String parentPid = Long.toString(ProcessHandle.current().pid());
    // Native buffers reused by every spawn (all on the loop thread): thousands of spawns leave
    // no trail of small mallocs for the garbage collector to free some day.
    private final Memory sigFull = new Memory(Posix.SIGSET_BYTES);
    private final Memory sigEmpty = new Memory(Posix.SIGSET_BYTES);
    private final Memory actions = new Memory(Posix.SPAWN_STRUCT_BYTES);
    private final Memory attr = new Memory(Posix.SPAWN_STRUCT_BYTES);
    private final IntByReference spawnedPid = new IntByReference();

    public WorkerLauncher(Path helper, OutputPump pump) {
        this.helper = helper;
        this.pump = pump;
        Posix.libc().sigfillset(sigFull);
        Posix.libc().sigemptyset(sigEmpty);
    }

    /**
     * Copies the helper out of the jar into {@code dir} (a folder only the emperor writes to)
     * and returns a launcher that uses it.
     */
    public static WorkerLauncher install(Path dir, OutputPump pump) throws LaunchException {
        try (InputStream in = WorkerLauncher.class.getResourceAsStream(HELPER_RESOURCE)) {
            if (in == null) {
                throw new LaunchException("the helper " + HELPER_RESOURCE + " is missing from the emperor's jar;"
                        + " rebuild it on a machine with a C compiler (apt-get install gcc)");
            }
            byte[] bytes = in.readAllBytes();
            Files.createDirectories(dir);
            Path target = dir.resolve(HELPER_RESOURCE);
            if (!Files.isRegularFile(target) || !Arrays.equals(Files.readAllBytes(target), bytes)) {
                // A new name, then rename: an exec of the old copy in flight never sees half a file.
                Path tmp = Files.createTempFile(dir, HELPER_RESOURCE, ".new");
                Files.write(tmp, bytes);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return new WorkerLauncher(target, pump);
        } catch (IOException e) {
            throw new LaunchException("cannot install the helper " + HELPER_RESOURCE + " in " + dir + ": " + e.getMessage());
        }
    }

    /** Starts the worker and returns its pid; watch it with a {@link ChildReaper} at once. */
    public long launch(LaunchSpec spec) throws LaunchException {
        Path program = resolveProgram(spec);
        if (!Files.isDirectory(spec.directory())) {
            throw new LaunchException("working directory " + spec.directory() + " does not exist");
        }
        ProcessLimits limits = spec.limits();
        if (limits.changesAccount() && Posix.effectiveUid() != 0) {
            throw new LaunchException("uid/gid need the emperor to run as root (it runs as uid "
                    + Posix.effectiveUid() + ")");
        }
        List<String> argv = new ArrayList<>(spec.argv().size() + 16);
        argv.add(helper.toString());
        argv.add(parentPid);
        limits.rlimits().forEach((r, v) -> {
            argv.add("-r");
            argv.add(r.name().toLowerCase(Locale.ROOT) + ":" + v + ":" + v);
        });
        if (limits.umask().isPresent()) {
            argv.add("-m");
            argv.add(Integer.toOctalString(limits.umask().getAsInt()));
        }
        argv.add("-d");
        argv.add(spec.directory().toString());
        if (limits.changesAccount()) {
            Accounts.Account account = Accounts.resolve(limits.uid(), limits.gid());
            argv.add("-G");
            StringBuilder groups = new StringBuilder();
            for (int g : account.groups()) groups.append(groups.isEmpty() ? "" : ",").append(g);
            argv.add(groups.toString());
            argv.add("-g");
            argv.add(Integer.toString(account.gid()));
            if (account.uid() >= 0) {
                argv.add("-u");
                argv.add(Integer.toString(account.uid()));
            }
        }
        argv.add("--");
        argv.add(program.toString());
        argv.add(program.toString());
        argv.addAll(spec.argv().subList(1, spec.argv().size()));
        String[] env = new String[spec.environment().size()];
        int i = 0;
        for (Map.Entry<String, String> e : spec.environment().entrySet()) env[i++] = e.getKey() + "=" + e.getValue();

        OutputPump.PendingOutput output = pump.prepare();
        long pid;
        try {
            pid = spawn(argv.toArray(String[]::new), env, output.writeFd());
        } catch (LaunchException e) {
            pump.cancel(output);
            throw new LaunchException("cannot start " + program + ": " + e.getMessage());
        }
        pump.spawned(output);
        pump.attach(output, spec.log(), spec.outputPrefix());
        return pid;
    }

    private long spawn(String[] argv, String[] env, int outFd) throws LaunchException {
        LibC c = Posix.libc();
        check(c.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
        try {
            check(c.posix_spawnattr_init(attr), "posix_spawnattr_init");
            try {
                check(c.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", Posix.O_RDONLY, 0), "addopen");
                check(c.posix_spawn_file_actions_adddup2(actions, outFd, 1), "adddup2");
                check(c.posix_spawn_file_actions_adddup2(actions, outFd, 2), "adddup2");
                check(c.posix_spawnattr_setflags(attr, (short) (Posix.POSIX_SPAWN_SETSID
                        | Posix.POSIX_SPAWN_SETSIGDEF | Posix.POSIX_SPAWN_SETSIGMASK)), "setflags");
                check(c.posix_spawnattr_setsigdefault(attr, sigFull), "setsigdefault");
                check(c.posix_spawnattr_setsigmask(attr, sigEmpty), "setsigmask");
                try (Memory args = stringArray(argv); Memory vars = stringArray(env)) {
                    check(c.posix_spawn(spawnedPid, args.getPointer(0), actions, attr, args, vars), "posix_spawn");
                }
                return spawnedPid.getValue();
            } finally {
                c.posix_spawnattr_destroy(attr);
            }
        } finally {
            c.posix_spawn_file_actions_destroy(actions);
        }
    }

    /** A NULL-terminated {@code char *[]} and its strings in one block, freed by the caller. */
    private static Memory stringArray(String[] strings) {
        byte[][] bytes = new byte[strings.length][];
        long size = (strings.length + 1L) * Native.POINTER_SIZE;
        for (int i = 0; i < strings.length; i++) {
            bytes[i] = strings[i].getBytes(StandardCharsets.UTF_8);
            size += bytes[i].length + 1;
        }
        Memory m = new Memory(size);
        long at = (strings.length + 1L) * Native.POINTER_SIZE;
        for (int i = 0; i < strings.length; i++) {
            m.write(at, bytes[i], 0, bytes[i].length);
            m.setByte(at + bytes[i].length, (byte) 0);
            m.setPointer((long) i * Native.POINTER_SIZE, m.share(at));
            at += bytes[i].length + 1;
        }
        m.setPointer((long) strings.length * Native.POINTER_SIZE, null);
        return m;
    }

    private static void check(int error, String call) throws LaunchException {
        if (error != 0) {
            throw new LaunchException(call + " failed: " + Posix.libc().strerror(error)
                    + (error == Posix.EMFILE || error == Posix.ENFILE || error == Posix.EAGAIN
                            ? " (the emperor may be out of file descriptors or processes: raise its limits)" : ""));
        }
    }

    /**
     * Resolves the program as execvp would (a name with a slash is a path from the working
     * directory, else it is searched on the worker's PATH), so that a missing program is
     * reported by name instead of as an exit code from the helper.
     */
    static Path resolveProgram(LaunchSpec spec) throws LaunchException {
        String name = spec.argv().get(0);
        if (name.isEmpty()) {
            throw new LaunchException("the command is empty");
        }
        if (name.contains("/")) {
            Path p = spec.directory().resolve(name).normalize();
            if (!Files.exists(p)) throw new LaunchException("program " + p + " does not exist");
            if (Files.isDirectory(p) || !Files.isExecutable(p)) {
                throw new LaunchException("program " + p + " is not an executable file");
            }
            return p;
        }
        String path = spec.environment().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = spec.directory().resolve(dir).resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new LaunchException("program '" + name + "' not found on PATH (" + path + ")");
    }
}
