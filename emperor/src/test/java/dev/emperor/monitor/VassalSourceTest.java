package dev.emperor.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a vassals directory as root, where an entry may be a symlink to something another
 * user controls: nothing found there may block the scan, make it read without bound, or make a
 * swap to equal content (or the same content with another owner) look like something else.
 */
class VassalSourceTest {

    @TempDir
    Path root;

    private Path dir() throws IOException {
        return Files.createDirectories(root.resolve("vassals.d"));
    }

    private static void mkfifo(Path p) throws IOException, InterruptedException {
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertThat(mk.waitFor()).isZero();
    }

    private static Path sparse(Path p, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    @Test
    void aSymlinkToAFifoIsNoVassalAndTheScanReturnsAtOnce() throws Exception {
        Path dir = dir();
        mkfifo(root.resolve("pipe"));
        Files.createSymbolicLink(dir.resolve("app.ini"), root.resolve("pipe"));
        VassalSource source = VassalSource.parse(dir.toString());

        List<VassalFile> found = assertTimeoutPreemptively(Duration.ofSeconds(5), source::scan);

        assertThat(found).isEmpty();
    }

    @Test
    void aHugeTargetIsFingerprintedByItsMetadataWithoutBeingRead() throws Exception {
        Path dir = dir();
        sparse(root.resolve("huge.ini"), 3L << 30); // past what one Java array can hold
        Files.createSymbolicLink(dir.resolve("app.ini"), root.resolve("huge.ini"));

        List<VassalFile> found = assertTimeoutPreemptively(Duration.ofSeconds(5),
                VassalSource.parse(dir.toString())::scan);

        assertThat(found).singleElement().satisfies(f -> {
            assertThat(f.problem()).isEmpty();
            assertThat(f.fingerprint().digest()).isNull();
            assertThat(f.fingerprint().size()).isEqualTo(3L << 30);
        });
    }

    /**
     * The reviewer's attack: the target is swapped between a small file, a FIFO and a file of
     * 3 GB while the emperor scans. A stat of the path followed by a read of the path would block
     * forever in open() on the FIFO, or try to read 3 GB at once; every scan must return.
     */
    @Test
    void aTargetSwappedUnderTheScanNeverBlocksItNorIsReadWhole() throws Exception {
        Path dir = dir();
        Path small = Files.createDirectory(root.resolve("small"));
        Files.writeString(small.resolve("x.ini"), "[vassal]\ncommand = sleep 1\n");
        Path fifo = Files.createDirectory(root.resolve("fifo"));
        mkfifo(fifo.resolve("x.ini"));
        Path huge = Files.createDirectory(root.resolve("huge"));
        sparse(huge.resolve("x.ini"), 3L << 30);
        Path live = root.resolve("live");
        Files.createSymbolicLink(dir.resolve("app.ini"), live.resolve("x.ini"));
        VassalSource source = VassalSource.parse(dir.toString());
        long smallSize = Files.size(small.resolve("x.ini"));

        AtomicBoolean done = new AtomicBoolean();
        Thread swapper = Thread.ofPlatform().start(() -> {
            try {
                while (!done.get()) {
                    for (Path p : List.of(small, fifo, huge)) {
                        Files.move(p, live, StandardCopyOption.ATOMIC_MOVE);
                        Files.move(live, p, StandardCopyOption.ATOMIC_MOVE);
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                for (int i = 0; i < 3000; i++) {
                    for (VassalFile f : source.scan()) {
                        assertThat(f.name()).isEqualTo("app");
                        assertThat(f.fingerprint().size()).isIn(smallSize, 3L << 30);
                    }
                }
            });
        } finally {
            done.set(true);
            swapper.join();
        }
    }

    @Test
    void anUnchangedTargetIsNotReadAgain() throws Exception {
        Path dir = dir();
        Files.writeString(root.resolve("t.ini"), "[vassal]\ncommand = sleep 1\n");
        Files.createSymbolicLink(dir.resolve("app.ini"), root.resolve("t.ini"));
        VassalSource source = VassalSource.parse(dir.toString());

        byte[] first = source.scan().get(0).fingerprint().digest();
        byte[] second = source.scan().get(0).fingerprint().digest();

        assertThat(first).isNotNull();
        assertThat(second).isSameAs(first); // kept from the last scan, not computed again
        Files.writeString(root.resolve("t.ini"), "[vassal]\ncommand = sleep 2\n");
        assertThat(source.scan().get(0).fingerprint().digest()).isNotEqualTo(first);
    }

    @Test
    void aTargetTheLinksOwnerCannotReadIsNotDigestedByRoot() throws Exception {
        Path dir = dir();
        Path secret = Files.writeString(root.resolve("secret.ini"), "[vassal]\ncommand = sleep 1\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path link = Files.createSymbolicLink(dir.resolve("app.ini"), secret);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.getOwner(secret).getName().equals("root"),
                "needs root to give the link to another user");
        // the link is a tenant's (nobody's); the file it points to is root's alone
        assertThat(new ProcessBuilder("chown", "-h", "nobody", link.toString()).inheritIO().start().waitFor()).isZero();

        VassalFile f = VassalSource.parse(dir.toString()).scan().get(0);

        assertThat(f.fingerprint().digest()).isNull();
    }

    @Test
    void aConfigMapSwapToEqualContentWithAnotherModeIsAChange() throws Exception {
        Path dir = dir();
        Path v1 = Files.createDirectory(dir.resolve("..v1"));
        Path v2 = Files.createDirectory(dir.resolve("..v2"));
        Files.writeString(v1.resolve("app.ini"), "[vassal]\ncommand = sleep 1\n");
        Files.writeString(v2.resolve("app.ini"), "[vassal]\ncommand = sleep 1\n");
        Files.setPosixFilePermissions(v1.resolve("app.ini"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(v2.resolve("app.ini"), PosixFilePermissions.fromString("rw-rw-rw-"));
        Path v3 = Files.createDirectory(dir.resolve("..v3"));
        Files.writeString(v3.resolve("app.ini"), "[vassal]\ncommand = sleep 1\n");
        Files.setPosixFilePermissions(v3.resolve("app.ini"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Files.createSymbolicLink(dir.resolve("app.ini"), Path.of("..data/app.ini"));
        VassalSource source = VassalSource.parse(dir.toString());
        VassalFile first = source.scan().get(0);

        swap(dir, v3); // equal content, owner and mode: no change
        VassalFile same = source.scan().get(0);
        swap(dir, v2); // equal content, writable by everyone: strict mode must judge it again
        VassalFile writable = source.scan().get(0);

        assertThat(first.changedTo(same)).isFalse();
        assertThat(same.changedTo(writable)).isTrue();
    }

    @Test
    void theEmperorsOwnShortageIsNoProblemOfTheFile() {
        // what the JDK throws for EMFILE, ENFILE and ENOMEM: kept as is and retried, like a
        // directory that cannot be listed, never shown as that vassal's error
        assertThat(VassalSource.isShortage(new java.nio.file.FileSystemException("/v/app.ini", null,
                "Too many open files"))).isTrue();
        assertThat(VassalSource.isShortage(new java.nio.file.FileSystemException("/v/app.ini", null,
                "Too many open files in system"))).isTrue();
        assertThat(VassalSource.isShortage(new java.nio.file.FileSystemException("/v/app.ini", null,
                "Cannot allocate memory"))).isTrue();
        assertThat(VassalSource.isShortage(new java.nio.file.FileSystemException("/v/app.ini", null,
                "Too many levels of symbolic links"))).isFalse();
        assertThat(VassalSource.isShortage(new java.nio.file.AccessDeniedException("/v/app.ini"))).isFalse();
    }

    private static void swap(Path dir, Path version) throws IOException {
        Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), version.getFileName());
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
