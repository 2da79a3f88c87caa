package dev.emperor.vassal.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One vassal's log file. Written only by the {@link OutputPump}'s writer thread; its
 * counters are read by anyone. When {@code maxBytes} > 0 the file is rotated before it
 * would grow past it: {@code NAME.log} becomes {@code NAME.log.1}, the old {@code .1}
 * becomes {@code .2}, and so on up to {@code keep} files.
 */
public final class LogTarget {

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

    // writer-thread state
    private FileChannel channel;
    private long size;

    public LogTarget(Path file, long maxBytes, int keep) {
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

    void dropped(long lines) {
        droppedLines.addAndGet(lines);
    }

    /** Appends one chunk of whole lines; on failure counts them as dropped. Writer thread only. */
    void write(byte[] data, int lines) {
        remember(data);
        try {
            if (channel == null) open();
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
                ByteBuffer buf = ByteBuffer.wrap(data, off, end - off);
                while (buf.hasRemaining()) channel.write(buf);
                size += end - off;
                writtenBytes.addAndGet(end - off);
                off = end;
            }
            if (error.get() != null) error.set(null);
        } catch (IOException e) {
            droppedLines.addAndGet(lines);
            error.set("cannot write " + file + ": " + e.getMessage());
            closeQuietly(); // reopen on the next chunk: the disk may have room again
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

    private void open() throws IOException {
        Files.createDirectories(file.getParent());
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = channel.size();
    }

    private void rotate() throws IOException {
        closeQuietly();
        for (int i = keep - 1; i >= 1; i--) {
            Path older = Path.of(file + "." + i);
            if (Files.exists(older)) {
                Files.move(older, Path.of(file + "." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, Path.of(file + ".1"), StandardCopyOption.REPLACE_EXISTING);
        rotations.incrementAndGet();
        open();
    }

    void closeQuietly() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to lose
            }
            channel = null;
        }
    }
}
