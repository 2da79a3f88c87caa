package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import com.sun.jna.Memory;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One vassal's log file. Written only by the {@link OutputPump}'s writer thread; its
 * counters are read by anyone. When {@code maxBytes} > 0 the file is rotated before it
 * would grow past it: {@code NAME.log} becomes {@code NAME.log.1}, the old {@code .1}
 * becomes {@code .2}, and so on up to {@code keep} files.
 *
 * <p>The file is never opened by the emperor's JVM: the {@link WorkerLauncher} binds the
 * target to the vassal's user when it starts a worker, and every open, rotation and reopen
 * after a write error goes through the {@link LogOpener}, which does it as that user and
 * refuses symlinks and directories others could change. A refusal becomes {@link #error()}
 * (shown in /stats) and one warning in the emperor's log; lines are dropped and counted, and
 * the open is tried again after {@value #RETRY_MS} ms.
 *
 * <p>logrotate's rename-then-create, or a removed file, is noticed while writing: at most
 * once every {@value #CHECK_MS} ms the open descriptor's device and inode are compared with
 * the path's, and a file that is no longer the one at the path is closed and opened again
 * through the same {@link LogOpener} path. {@link #reopen()} (SIGUSR1, {@code emperor
 * reopen-logs}) forces it at the next write.
 */
public final class LogTarget {

    private static final System.Logger LOG = System.getLogger("emperor.logs");
    static final long RETRY_MS = 5_000;
    static final long CHECK_MS = 1_000;

    private final Path file;
    private final long maxBytes;
    private final int keep;
    private final AtomicLong droppedLines = new AtomicLong();
    private final AtomicLong writtenBytes = new AtomicLong();
    private final AtomicLong rotations = new AtomicLong();
    private final AtomicReference<String> error = new AtomicReference<>();

    /** The newest output, kept to attach a hung worker's thread dump to its restart record. */
    private static final int RECENT_BYTES = 512 << 10;
    private final java.util.ArrayDeque<Recent> recent = new java.util.ArrayDeque<>();
    private long recentBytes;

    private record Recent(long atMs, byte[] data) {
    }

    /** Who opens the file, set by the launcher; a change makes the writer reopen it. */
    private record Binding(LogOpener opener, LogOpener.Owner owner) {
    }

    private volatile Binding binding;
    private volatile boolean reopenWanted;
    private volatile boolean timestamps;
    private volatile JournalLog journal;
    private volatile boolean writesFile = true;

    // writer-thread state
    /** The open file; closed by {@link #closeQuietly}, or by the cleaner once this target is dropped. */
    private final Descriptor fd = new Descriptor();
    private Binding openedWith;
    private long size;
    private long retryAtMs;
    private long checkAtMs;
    private long openDev;
    private long openIno;
    private final AtomicLong reopens = new AtomicLong();

    public LogTarget(Path file, long maxBytes, int keep) {
        Descriptor.CLEANER.register(this, fd);
        this.file = file.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
        this.keep = Math.max(1, keep);
    }

    public Path file() {
        return file;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Lines lost because the disk or the writer could not keep up, or writing failed. */
    public long droppedLines() {
        return droppedLines.get();
    }

    public long writtenBytes() {
        return writtenBytes.get();
    }

    public long rotations() {
        return rotations.get();
    }

    /** The last write error (disk full, permission), cleared by the next successful write. */
    public String error() {
        return error.get();
    }

    /** Reopens driven by a renamed or removed file, or by {@link #reopen()}. */
    public long reopens() {
        return reopens.get();
    }

    /** The file is closed at the next write and opened again at its path (after logrotate). */
    public void reopen() {
        reopenWanted = true;
    }

    /** Whether each line starts with its ISO-8601 UTC time ({@code log-timestamp}). */
    public boolean timestamps() {
        return timestamps;
    }

    public LogTarget timestamps(boolean on) {
        timestamps = on;
        return this;
    }

    /**
     * {@code log-journal}: workers started from now on send their output to the journal as
     * {@code vassal}, and to this file too only when {@code alsoFile} (or when there is no
     * journal); null turns it off. The counters survive a call with the same values.
     */
    public LogTarget journal(String vassal, boolean alsoFile) {
        JournalLog j = journal;
        if (vassal == null) {
            journal = null;
        } else if (j == null || !j.vassal().equals(vassal) || j.alsoFile() != alsoFile) {
            journal = new JournalLog(vassal, alsoFile);
        }
        return this;
    }

    /** The vassal's journal output, or null when it has none ({@code log-journal = false}). */
    public JournalLog journal() {
        return journal;
    }

    /**
     * Whether the newest worker's output goes to this file: false while {@code log-journal}
     * sends it to the journal alone (no logto, and a journal listening).
     */
    public boolean writesFile() {
        return writesFile;
    }

    void writesFile(boolean on) {
        writesFile = on;
    }

    /** Every open from now on happens through {@code opener} as {@code owner}. */
    void bind(LogOpener opener, LogOpener.Owner owner) {
        Binding b = binding;
        if (b == null || b.opener != opener || !sameOwner(b.owner, owner)) binding = new Binding(opener, owner);
    }

    private static boolean sameOwner(LogOpener.Owner a, LogOpener.Owner b) {
        return a.uid() == b.uid() && a.gid() == b.gid() && Arrays.equals(a.groups(), b.groups());
    }

    void dropped(long lines) {
        droppedLines.addAndGet(lines);
    }

    /** Appends one chunk of whole lines; on failure counts them as dropped. Writer thread only. */
    void write(byte[] data, int lines) {
        write(data, lines, true);
    }

    /**
     * As {@link #write(byte[], int)}; with {@code toFile} false (lines that went to the journal
     * alone) they are only kept as the newest output ({@link #recent}), not written.
     */
    void write(byte[] data, int lines, boolean toFile) {
        remember(data);
        if (!toFile) return;
        if (fd.value >= 0 && openedWith != binding) closeQuietly(); // the vassal's user changed
        if (fd.value >= 0 && (reopenWanted || movedAway())) {
            closeQuietly();
            reopens.incrementAndGet();
        }
        reopenWanted = false;
        if (fd.value < 0 && System.currentTimeMillis() < retryAtMs) {
            droppedLines.addAndGet(lines);
            return;
        }
        try {
            if (fd.value < 0) open();
            int off = 0;
            while (off < data.length) {
                int end = data.length;
                if (maxBytes > 0 && size + (data.length - off) > maxBytes) {
                    end = lastLineEnd(data, off, (int) Math.min(data.length, off + Math.max(0, maxBytes - size)));
                    if (end <= off) {
                        if (size > 0) {
                            rotate();
                            continue;
                        }
                        end = nextLineEnd(data, off); // one line longer than the limit goes alone
                    }
                }
                writeFully(data, off, end);
                size += end - off;
                writtenBytes.addAndGet(end - off);
                off = end;
            }
            if (error.get() != null) error.set(null);
        } catch (IOException e) {
            droppedLines.addAndGet(lines);
            String why = e.getMessage();
            if (!why.equals(error.getAndSet(why))) {
                LOG.log(Level.WARNING, "log " + file + ": " + why + "; its lines are dropped and counted (tried again"
                        + " every " + RETRY_MS / 1000 + " s)");
            }
            closeQuietly(); // reopen later: the disk may have room again
            retryAtMs = System.currentTimeMillis() + RETRY_MS;
        }
    }

    private void writeFully(byte[] data, int from, int to) throws IOException {
        byte[] part = from == 0 && to == data.length ? data : Arrays.copyOfRange(data, from, to);
        int off = 0;
        while (off < part.length) {
            byte[] rest = off == 0 ? part : Arrays.copyOfRange(part, off, part.length);
            try {
                off += (int) Posix.libc().write(fd.value, rest, rest.length);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Posix.EINTR) continue;
                throw new IOException("cannot write " + file + ": " + Posix.libc().strerror(e.getErrorCode()));
            }
        }
    }

    /** The end (exclusive) of the last whole line in data[from, to), or from if none. */
    private static int lastLineEnd(byte[] data, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (data[i] == '\n') return i + 1;
        }
        return from;
    }

    private static int nextLineEnd(byte[] data, int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == '\n') return i + 1;
        }
        return data.length;
    }

    private synchronized void remember(byte[] data) {
        recent.addLast(new Recent(System.currentTimeMillis(), data));
        recentBytes += data.length;
        while (recentBytes > RECENT_BYTES && recent.size() > 1) {
            recentBytes -= recent.removeFirst().data.length;
        }
    }

    /**
     * The lines starting with {@code prefix} written since {@code sinceMs} (wall clock), without
     * the prefix, at most the last 64 KiB of them. Even a full disk keeps these.
     */
    public synchronized String recent(String prefix, long sinceMs) {
        StringBuilder sb = new StringBuilder();
        for (Recent r : recent) {
            if (r.atMs < sinceMs) continue;
            for (String line : new String(r.data, java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith(prefix)) sb.append(line, prefix.length(), line.length()).append('\n');
            }
        }
        return sb.length() <= 65536 ? sb.toString() : sb.substring(sb.length() - 65536);
    }

    /**
     * Whether the path no longer names the open file (renamed or removed), checked at most
     * once every {@value #CHECK_MS} ms. Only stat(2) without following a final symlink: the
     * reopen itself goes through the {@link LogOpener} as the vassal's user.
     */
    private boolean movedAway() {
        long now = System.currentTimeMillis();
        if (now < checkAtMs) return false;
        checkAtMs = now + CHECK_MS;
        try {
            Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
            return ((Number) a.get("dev")).longValue() != openDev || ((Number) a.get("ino")).longValue() != openIno;
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // cannot tell (a directory we may not search): keep writing where we are
        }
    }

    private void open() throws IOException {
        Binding b = binding;
        if (b == null) throw new IOException("cannot open " + file + ": no worker was started for it");
        adopt(b.opener.open(file, b.owner), b);
    }

    private void rotate() throws IOException {
        Binding b = binding;
        closeQuietly();
        if (b == null) throw new IOException("cannot rotate " + file + ": no worker was started for it");
        adopt(b.opener.rotate(file, b.owner, keep), b);
        rotations.incrementAndGet();
    }

    private void adopt(int newFd, Binding b) throws IOException {
        fd.value = newFd;
        openedWith = b;
        try {
            size = Posix.libc().lseek(fd.value, 0, Posix.SEEK_END);
            try (Memory st = new Memory(Posix.STAT_BYTES)) {
                Posix.libc().syscall(Posix.SYS_FSTAT, fd.value, st);
                openDev = st.getLong(0); // x86_64 struct stat: st_dev at 0, st_ino at 8
                openIno = st.getLong(8);
            }
            checkAtMs = System.currentTimeMillis() + CHECK_MS;
        } catch (LastErrorException e) {
            closeQuietly();
            throw new IOException("cannot seek in " + file + ": " + Posix.libc().strerror(e.getErrorCode()));
        }
    }

    void closeQuietly() {
        fd.run();
    }

    /**
     * The log's descriptor, apart from the target so that a cleaner can close it once the
     * emperor has dropped the target (a removed vassal), with no close call to wire.
     */
    private static final class Descriptor implements Runnable {
        private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();
        volatile int value = -1;

        @Override
        public void run() {
            int v = value;
            if (v >= 0) {
                value = -1;
                Posix.closeQuietly(v);
            }
        }
    }
}
