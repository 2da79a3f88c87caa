package dev.emperor.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A vassal's log file as the CLI's user reads it: the last lines, then what is appended,
 * across rotation. Opened with the CLI user's own rights (the emperor does not read it for
 * them); a symbolic link or anything but a regular file is refused, so that a root CLI
 * prints nothing a log path's owner pointed it at.
 */
final class LogFile implements AutoCloseable {

    /** The most {@link #tail} prints: N lines of a file without newlines would be all of it. */
    static final int MAX_TAIL_BYTES = 1 << 20;
    private static final int CHUNK = 64 << 10;

    private final Path path;
    private FileChannel channel;
    private Object fileKey;
    private long position;

    private LogFile(Path path, FileChannel channel, Object fileKey) {
        this.path = path;
        this.channel = channel;
        this.fileKey = fileKey;
    }

    /** Opens {@code path}, or a {@link EmperorCommand.UserError} that says why not and what to do. */
    static LogFile open(Path path) {
        Opened o = tryOpen(path);
        return switch (o) {
            case Opened.Ok ok -> new LogFile(path, ok.channel(), ok.fileKey());
            case Opened.Missing m -> throw new EmperorCommand.UserError("no log file at " + path
                    + " (yet): the vassal has written nothing, or its log was just rotated", 1);
            case Opened.Refused r -> throw new EmperorCommand.UserError(r.why(), 1);
        };
    }

    sealed interface Opened {
        record Ok(FileChannel channel, Object fileKey) implements Opened {
        }

        record Missing() implements Opened {
        }

        record Refused(String why) implements Opened {
        }
    }

    private static Opened tryOpen(Path path) {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return new Opened.Missing();
        } catch (IOException e) {
            return new Opened.Refused("cannot look at the log file " + path + ": " + reason(e));
        }
        if (a.isSymbolicLink()) {
            return new Opened.Refused("the log file " + path + " is a symbolic link; not followed");
        }
        if (!a.isRegularFile()) return new Opened.Refused("the log file " + path + " is not a regular file");
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            return new Opened.Ok(ch, a.fileKey());
        } catch (NoSuchFileException e) {
            return new Opened.Missing();
        } catch (AccessDeniedException e) {
            return new Opened.Refused("you may not read the log file " + path + " (owner " + a.owner().getName()
                    + ", mode " + java.nio.file.attribute.PosixFilePermissions.toString(a.permissions())
                    + "): run this as a user who may, e.g. its owner or root");
        } catch (IOException e) {
            return new Opened.Refused("cannot open the log file " + path + ": " + reason(e));
        }
    }

    private static String reason(IOException e) {
        return e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
    }

    /**
     * Writes the last {@code lines} lines (at most {@link #MAX_TAIL_BYTES}, from a line start
     * when one is in reach) to {@code out}, and remembers where the file ended for {@link #follow}.
     */
    void tail(int lines, OutputStream out) throws IOException {
        long size = channel.size();
        long start = lines <= 0 ? size : startOfLastLines(size, lines);
        copy(start, size, out);
        position = size;
    }

    private long startOfLastLines(long size, int lines) throws IOException {
        long floor = Math.max(0, size - MAX_TAIL_BYTES);
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        int seen = 0;
        long end = size;
        boolean lastByte = true;
        while (end > floor) {
            long from = Math.max(floor, end - CHUNK);
            buf.clear().limit((int) (end - from));
            while (buf.hasRemaining() && channel.read(buf, from + buf.position()) >= 0) {
                // a read may return less than asked
            }
            for (int i = buf.position() - 1; i >= 0; i--) {
                if (buf.get(i) != '\n') {
                    lastByte = false;
                    continue;
                }
                if (lastByte) { // the file's final newline ends the last line; it starts none
                    lastByte = false;
                    continue;
                }
                if (++seen == lines) return from + i + 1;
            }
            end = from;
        }
        return floor;
    }

    /**
     * Copies what is appended to {@code out} until {@code stop} says so, looking every
     * {@code poll}. A file truncated in place (copytruncate) is read again from its start; a
     * file renamed or removed (rotation) is read to its end, then the new file at the path
     * is opened when it appears.
     */
    void follow(OutputStream out, Duration poll, BooleanSupplier stop) throws IOException, InterruptedException {
        while (!stop.getAsBoolean()) {
            long size = channel == null ? 0 : channel.size();
            if (channel != null && size < position) position = 0; // truncated in place
            if (channel != null && size > position) {
                copy(position, size, out);
                position = size;
                continue; // more may have come meanwhile
            }
            if (!sameFileAtPath()) {
                reopen();
                if (channel != null) continue;
            }
            out.flush();
            Thread.sleep(poll); // a file's growth has no portable event; polling is what tail -F does
        }
        out.flush();
    }

    /** Whether the file at the path is still the one open (false after a rename, removal or replacement). */
    private boolean sameFileAtPath() {
        try {
            Object key = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return channel != null && Objects.equals(key, fileKey);
        } catch (IOException e) {
            return false;
        }
    }

    private void reopen() throws IOException {
        Opened o = tryOpen(path);
        switch (o) {
            case Opened.Ok ok -> {
                if (channel != null) channel.close();
                channel = ok.channel();
                fileKey = ok.fileKey();
                position = 0;
            }
            case Opened.Missing m -> {
                // rotated away and not created again yet: keep the old one (drained) and look again
            }
            case Opened.Refused r -> throw new EmperorCommand.UserError(r.why(), 1);
        }
    }

    private void copy(long from, long to, OutputStream out) throws IOException {
        channel.position(from);
        // transferTo stops at the end of the file even if it grows meanwhile; bounded by 'to' anyway
        long left = to - from;
        OutputStream sink = out;
        var target = Channels.newChannel(sink);
        while (left > 0) {
            long n = channel.transferTo(channel.position(), left, target);
            if (n <= 0) break;
            channel.position(channel.position() + n);
            left -= n;
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null) channel.close();
    }
}
