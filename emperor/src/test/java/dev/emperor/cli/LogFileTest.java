package dev.emperor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code emperor logs}: the last N lines as tail(1) prints them, then what follows, across rotation. */
class LogFileTest {

    @TempDir
    Path tmp;

    private final AtomicBoolean stop = new AtomicBoolean();
    private Thread follower;

    @AfterEach
    void stopFollowing() throws InterruptedException {
        stop.set(true);
        if (follower != null) follower.join(10_000);
    }

    private String tail(Path file, int n) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LogFile log = LogFile.open(file)) {
            log.tail(n, out);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsTheLastNLinesLikeTail() throws Exception {
        Path f = Files.writeString(tmp.resolve("app.log"), "one\ntwo\nthree\nfour\n");
        assertThat(tail(f, 2)).isEqualTo("three\nfour\n");
        assertThat(tail(f, 4)).isEqualTo("one\ntwo\nthree\nfour\n");
        assertThat(tail(f, 20)).isEqualTo("one\ntwo\nthree\nfour\n");
        assertThat(tail(f, 0)).isEmpty();
    }

    @Test
    void aLastLineWithoutNewlineCountsAsALine() throws Exception {
        Path f = Files.writeString(tmp.resolve("app.log"), "one\ntwo\nthree");
        assertThat(tail(f, 2)).isEqualTo("two\nthree");
    }

    @Test
    void linesAcrossReadChunksAreFound() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 20_000; i++) b.append("line ").append(i).append('\n'); // ~200 kB: several chunks
        Path f = Files.writeString(tmp.resolve("app.log"), b);
        assertThat(tail(f, 3)).isEqualTo("line 19997\nline 19998\nline 19999\n");
        assertThat(tail(f, 10_000).lines().findFirst()).hasValue("line 10000");
    }

    @Test
    void aHugeLineIsBoundedToTheLastMegabyte() throws Exception {
        Path f = Files.write(tmp.resolve("app.log"), new byte[3 << 20]); // no newline at all
        assertThat(tail(f, 20)).hasSize(LogFile.MAX_TAIL_BYTES);
    }

    @Test
    void aSymbolicLinkIsRefusedNotFollowed() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret"), "not for you\n");
        Path link = Files.createSymbolicLink(tmp.resolve("app.log"), secret);
        assertThatThrownBy(() -> LogFile.open(link)).isInstanceOf(EmperorCommand.UserError.class)
                .hasMessageContaining("is a symbolic link; not followed");
    }

    @Test
    void aMissingFileSaysSo() {
        assertThatThrownBy(() -> LogFile.open(tmp.resolve("none.log"))).isInstanceOf(EmperorCommand.UserError.class)
                .hasMessageContaining("no log file at " + tmp.resolve("none.log"));
    }

    @Test
    void followPrintsAppendedLinesThenTheNewFileAfterARenameRotation() throws Exception {
        Path f = Files.writeString(tmp.resolve("app.log"), "old\n");
        SyncOut out = follow(f, 1);
        await("first tail", () -> out.text().equals("old\n"));

        append(f, "appended\n");
        await("appended line", () -> out.text().equals("old\nappended\n"));

        append(f, "last before rotation\n");
        Files.move(f, tmp.resolve("app.log.1")); // logrotate's default: rename, then create
        Files.writeString(f, "after rotation\n");
        await("the new file's line", () -> out.text().equals("old\nappended\nlast before rotation\nafter rotation\n"));
    }

    @Test
    void followReadsATruncatedFileFromItsStart() throws Exception {
        Path f = Files.writeString(tmp.resolve("app.log"), "one\ntwo\n");
        SyncOut out = follow(f, 5);
        await("first tail", () -> out.text().equals("one\ntwo\n"));

        Files.writeString(f, ""); // copytruncate
        await("the follower noticed the truncation", () -> out.text().equals("one\ntwo\n"));
        append(f, "x\n");
        await("the line after truncation", () -> out.text().equals("one\ntwo\nx\n"));
    }

    private SyncOut follow(Path file, int lines) {
        SyncOut out = new SyncOut();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        follower = Thread.ofPlatform().start(() -> {
            try (LogFile log = LogFile.open(file)) {
                log.tail(lines, out);
                log.follow(out, Duration.ofMillis(10), stop::get);
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        return out;
    }

    private static void append(Path f, String text) throws IOException {
        Files.writeString(f, text, StandardOpenOption.APPEND);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError("not within 10 s: " + what);
            Thread.sleep(5);
        }
    }

    /** What the follower printed so far, safe to read from the test's thread. */
    private static final class SyncOut extends ByteArrayOutputStream {
        synchronized String text() {
            return toString(StandardCharsets.UTF_8);
        }
    }
}
