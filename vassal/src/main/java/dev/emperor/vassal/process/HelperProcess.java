package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import dev.emperor.vassal.process.Posix.LibC;
import java.nio.charset.StandardCharsets;

/** Starts the emperor's own helper processes (the worker spawner, the log opener) from the {@link SpawnerImage}. */
final class HelperProcess {

    static final int SOCKET_FD = 3;

    private HelperProcess() {
    }

    /** A running helper: its pid and the emperor's end of its socket. */
    record Connection(int pid, int socket) {
    }

    /**
     * Starts a helper on one end of a new socket pair and returns it with the other end, on
     * which sends and receives time out after {@code timeoutSeconds}.
     */
    static Connection start(SpawnerImage image, long timeoutSeconds, String... args) throws LaunchException {
        int[] pair = new int[2];
        LibC c = Posix.libc();
        try {
            c.socketpair(Posix.AF_UNIX, Posix.SOCK_STREAM | Posix.SOCK_CLOEXEC, 0, pair);
        } catch (LastErrorException e) {
            throw new LaunchException("cannot start " + args[0] + ": socketpair: " + c.strerror(e.getErrorCode())
                    + (e.getErrorCode() == Posix.EMFILE || e.getErrorCode() == Posix.ENFILE
                            ? " (too many open files: raise the emperor's limit-nofile)" : ""));
        }
        try {
            long[] timeout = {timeoutSeconds, 0};
            c.setsockopt(pair[0], Posix.SOL_SOCKET, Posix.SO_RCVTIMEO, timeout, 16);
            c.setsockopt(pair[0], Posix.SOL_SOCKET, Posix.SO_SNDTIMEO, timeout, 16);
            return new Connection(spawn(image, pair[1], args), pair[0]);
        } catch (LastErrorException e) {
            Posix.closeQuietly(pair[0]);
            throw new LaunchException("cannot set up the socket of " + args[0] + ": " + c.strerror(e.getErrorCode()));
        } catch (LaunchException e) {
            Posix.closeQuietly(pair[0]);
            throw e;
        } finally {
            Posix.closeQuietly(pair[1]);
        }
    }

    /** Closes the socket (a live helper exits at end of file), kills what is left of it and reaps it. */
    static void stop(Connection helper) {
        Posix.closeQuietly(helper.socket());
        Posix.kill(helper.pid(), Signal.KILL);
        try {
            Posix.libc().waitpid(helper.pid(), new IntByReference(), 0);
        } catch (LastErrorException e) {
            System.getLogger("emperor").log(System.Logger.Level.DEBUG, "waitpid(" + helper.pid() + "): errno "
                    + e.getErrorCode());
        }
    }

    /**
     * posix_spawn of a helper ({@code args[0]} and its arguments): its own session (a Ctrl-C in the emperor's terminal is the
     * emperor's to handle), every signal at its default and none blocked, /dev/null on stdin,
     * the socket on descriptor 3, the emperor's stdout and stderr for its own complaints, an
     * empty environment. glibc clones with CLONE_VFORK, so the JVM's size does not matter.
     */
    static int spawn(SpawnerImage image, int socketEnd, String... args) throws LaunchException {
        LibC c = Posix.libc();
        try (Memory actions = new Memory(Posix.SPAWN_STRUCT_BYTES);
             Memory attr = new Memory(Posix.SPAWN_STRUCT_BYTES);
             Memory sigFull = new Memory(Posix.SIGSET_BYTES);
             Memory sigEmpty = new Memory(Posix.SIGSET_BYTES);
             Memory argv = stringArray(args);
             Memory envp = stringArray();
             Memory path = stringArray(image.path())) {
            c.sigfillset(sigFull);
            c.sigemptyset(sigEmpty);
            check(c.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            try {
                check(c.posix_spawnattr_init(attr), "posix_spawnattr_init");
                try {
                    check(c.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", Posix.O_RDONLY, 0), "addopen");
                    check(c.posix_spawn_file_actions_adddup2(actions, socketEnd, SOCKET_FD), "adddup2");
                    check(c.posix_spawnattr_setflags(attr, (short) (Posix.POSIX_SPAWN_SETSID
                            | Posix.POSIX_SPAWN_SETSIGDEF | Posix.POSIX_SPAWN_SETSIGMASK)), "setflags");
                    check(c.posix_spawnattr_setsigdefault(attr, sigFull), "setsigdefault");
                    check(c.posix_spawnattr_setsigmask(attr, sigEmpty), "setsigmask");
                    IntByReference spawned = new IntByReference();
                    check(c.posix_spawn(spawned, path.getPointer(0), actions, attr, argv, envp), "posix_spawn");
                    return spawned.getValue();
                } finally {
                    c.posix_spawnattr_destroy(attr);
                }
            } finally {
                c.posix_spawn_file_actions_destroy(actions);
            }
        } catch (LaunchException e) {
            throw new LaunchException("cannot start " + args[0] + ": " + e.getMessage());
        }
    }

    /** A NULL-terminated {@code char *[]} and its strings in one block. */
    private static Memory stringArray(String... strings) {
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
}
