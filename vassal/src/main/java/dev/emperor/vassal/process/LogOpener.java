package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Opens and rotates vassal logs as the vassal's own user, in a helper process (the spawner
 * program started with {@code logs}; source {@code vassal/src/main/c/log-opener.c}) that forks
 * a child per request, drops to the user's uid, gid and groups, walks the path from "/"
 * refusing directories others could change, opens the file with O_NOFOLLOW and checks it is
 * a plain file of the user's, and hands the descriptor back. A root emperor therefore never
 * creates, follows or renames anything a tenant controls: at worst it writes where the
 * tenant could have written anyway.
 *
 * <p>Used by the loop thread (nothing) and the output writer thread (opening, rotating,
 * reopening after a write error); calls are serialized. The helper is started at the first
 * request and again after it died or hung. A child that its user stopped or that is stuck
 * costs one request about a second: the helper kills it and answers with an error itself.
 */
final class LogOpener implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.logs");
    private static final long TIMEOUT_SECONDS = 5;
    private static final int MAX_REPLY = 4 + 1024;
    private static final int MSGHDR_BYTES = 56;
    private static final int IOVEC_BYTES = 16;
    private static final int CMSG_SPACE_ONE_FD = 24;

    /**
     * Who opens: {@code uid}/{@code gid} -1 keep the emperor's, {@code groups} null keeps the
     * emperor's supplementary groups.
     */
    record Owner(int uid, int gid, int[] groups) {
        /** The emperor itself: for its own log directory, which nobody else can write. */
        static final Owner EMPEROR = new Owner(-1, -1, null);

        static Owner of(Accounts.Account account) {
            return new Owner(account.uid(), account.gid(), account.groups());
        }

        String describe() {
            return uid < 0 ? "the emperor's user" : "uid " + uid;
        }
    }

    private final SpawnerImage image;
    private final String emperorPid = Long.toString(ProcessHandle.current().pid());
    private int pid;
    private int socket = -1;

    LogOpener(SpawnerImage image) {
        this.image = image;
    }

    /** A descriptor (close-on-exec) for appending to {@code file}, opened as {@code owner}. */
    synchronized int open(Path file, Owner owner) throws IOException {
        return request("open", file, owner, 1);
    }

    /** Shifts {@code file} to {@code file.1} ... (at most {@code keep}) as {@code owner}, then opens a new one. */
    synchronized int rotate(Path file, Owner owner, int keep) throws IOException {
        return request("rotate", file, owner, keep);
    }

    @Override
    public synchronized void close() {
        if (socket >= 0) stop();
    }

    private int request(String op, Path file, Owner owner, int keep) throws IOException {
        byte[] body = body(op, file, owner, keep);
        for (int attempt = 1; ; attempt++) {
            if (socket < 0) start();
            try {
                send(body);
                return receive(file);
            } catch (HelperGone e) {
                LOG.log(Level.WARNING, "the log opener (pid " + pid + ") " + e.getMessage() + "; starting another");
                stop();
                if (attempt == 2) throw new IOException("cannot open " + file + ": the log opener " + e.getMessage());
            }
        }
    }

    private static byte[] body(String op, Path file, Owner owner, int keep) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        StringBuilder groups = new StringBuilder();
        if (owner.groups() == null) {
            groups.append('-');
        } else {
            for (int g : owner.groups()) groups.append(groups.isEmpty() ? "" : ",").append(g);
        }
        for (String f : new String[] {op, Integer.toString(owner.uid()), Integer.toString(owner.gid()),
                groups.toString(), file.toAbsolutePath().normalize().toString(), Integer.toString(keep)}) {
            if (f.indexOf('\0') >= 0) throw new IOException("a NUL character in log path " + file);
            out.writeBytes(f.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    private void start() throws IOException {
        try {
            HelperProcess.Connection helper = HelperProcess.start(image, TIMEOUT_SECONDS, "emperor-log-opener",
                    emperorPid, "logs");
            pid = helper.pid();
            socket = helper.socket();
        } catch (LaunchException e) {
            throw new IOException(e.getMessage());
        }
    }

    private void stop() {
        // Its children run as vassals' users, who may have stopped them: the whole group goes
        // (the helper leads its own session). Never 0: that would be the emperor's own group.
        if (pid > 0) Posix.killGroup(pid, Signal.KILL);
        HelperProcess.stop(new HelperProcess.Connection(pid, socket));
        socket = -1;
    }

    /** The helper's pid while one runs, else -1 (for tests: it is not restarted for a slow child). */
    synchronized int helperPid() {
        return socket >= 0 ? pid : -1;
    }

    private void send(byte[] body) throws HelperGone {
        byte[] data = new byte[4 + body.length];
        java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.nativeOrder()).putInt(body.length).put(body);
        int off = 0;
        while (off < data.length) {
            byte[] rest = off == 0 ? data : java.util.Arrays.copyOfRange(data, off, data.length);
            try {
                off += (int) Posix.libc().write(socket, rest, rest.length);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Posix.EINTR) continue;
                throw new HelperGone("could not be reached (" + Posix.libc().strerror(e.getErrorCode()) + ")");
            }
        }
    }

    /** The reply: a length and a message, with the descriptor attached when the message is empty. */
    private int receive(Path file) throws HelperGone, IOException {
        try (Memory msg = new Memory(MSGHDR_BYTES); Memory iov = new Memory(IOVEC_BYTES);
             Memory control = new Memory(CMSG_SPACE_ONE_FD); Memory buf = new Memory(MAX_REPLY)) {
            msg.clear();
            control.clear();
            iov.setPointer(0, buf);
            iov.setLong(8, MAX_REPLY);
            msg.setPointer(16, iov);
            msg.setLong(24, 1);
            msg.setPointer(32, control);
            msg.setLong(40, CMSG_SPACE_ONE_FD);
            long n;
            while (true) {
                try {
                    n = Posix.libc().recvmsg(socket, msg, Posix.MSG_CMSG_CLOEXEC);
                    break;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == Posix.EINTR) continue;
                    throw new HelperGone(e.getErrorCode() == Posix.EAGAIN ? "did not answer within " + TIMEOUT_SECONDS
                            + " s" : "could not be read (" + Posix.libc().strerror(e.getErrorCode()) + ")");
                }
            }
            if (n == 0) throw new HelperGone("exited");
            int fd = -1;
            if (msg.getLong(40) >= 20 && control.getInt(8) == Posix.SOL_SOCKET && control.getInt(12) == Posix.SCM_RIGHTS) {
                fd = control.getInt(16);
            }
            long got = n;
            while (got < 4 || got < 4 + Math.min(buf.getInt(0), MAX_REPLY - 4)) {
                long r;
                try {
                    r = Posix.libc().read(socket, buf.share(got), MAX_REPLY - got);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == Posix.EINTR) continue;
                    if (fd >= 0) Posix.closeQuietly(fd);
                    throw new HelperGone("sent half an answer");
                }
                if (r == 0) throw new HelperGone("exited");
                got += r;
            }
            int len = Math.min(buf.getInt(0), MAX_REPLY - 4);
            if (len > 0) {
                if (fd >= 0) Posix.closeQuietly(fd);
                throw new IOException(new String(buf.getByteArray(4, len), StandardCharsets.UTF_8));
            }
            if (fd < 0) throw new IOException("cannot open " + file + ": the log opener sent no descriptor");
            return fd;
        }
    }

    private static final class HelperGone extends Exception {
        HelperGone(String message) {
            super(message, null, false, false);
        }
    }
}
