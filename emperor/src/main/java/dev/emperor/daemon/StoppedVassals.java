package dev.emperor.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The names of the vassals an operator stopped ({@code emperor stop NAME}), kept in the
 * {@link StateDir} so that they stay stopped across an emperor restart: one name a line in
 * {@code stopped-vassals}, written whole to a temp file, fsynced and renamed over the old one
 * (a crash leaves the old set or the new one, never half of one). What is read is bounded; a
 * file that cannot be used is a warning, and the emperor starts with the names it could read.
 * The set in memory is the truth while the emperor runs, even when it cannot be written.
 *
 * <p>Used on the event loop only.
 */
final class StoppedVassals {

    private static final System.Logger LOG = System.getLogger("emperor");
    static final String FILE = "stopped-vassals";
    static final int MAX_BYTES = 1 << 20;
    static final int MAX_NAMES = 10_000;
    private static final String HEADER = "# vassals stopped by an operator (emperor stop NAME); 'emperor start NAME'"
            + " clears one\n";

    private final Path dir;
    private final long uid;
    private final Set<String> names = new TreeSet<>();

    StoppedVassals(Path dir, long uid) {
        this.dir = dir;
        this.uid = uid;
    }

    /** A set that is never written (tests, or no state dir). */
    static StoppedVassals inMemory() {
        return new StoppedVassals(null, -1);
    }

    Path file() {
        return dir == null ? null : dir.resolve(FILE);
    }

    /** Reads the set left by an earlier emperor; what cannot be read is logged, never thrown. */
    void load() {
        if (dir == null) return;
        try {
            Optional<Path> checked = StateDir.check(dir, uid, false);
            if (checked.isEmpty()) return; // nothing ever stopped
            Path file = checked.get().resolve(FILE);
            Set<String> read = read(file);
            names.addAll(read);
            if (!read.isEmpty()) {
                LOG.log(Level.INFO, read.size() + " vassal(s) stay stopped, as an operator asked before (" + file
                        + "): " + String.join(", ", read) + "; 'emperor start NAME' starts one again");
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read the vassals stopped by an operator from " + dir + ": " + e.getMessage()
                    + "; every vassal starts. Fix or remove " + dir.resolve(FILE));
        }
    }

    private static Set<String> read(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) return Set.of();
        // checked before it is opened: a FIFO would block the loop (only we can write in the dir)
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) throw new IOException(file + " is not a regular file");
        byte[] raw;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             InputStream in = Channels.newInputStream(ch)) {
            raw = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            return Set.of();
        }
        if (raw.length > MAX_BYTES) throw new IOException(file + " is over " + (MAX_BYTES >> 10) + " KiB");
        Set<String> out = new TreeSet<>();
        int lineNo = 0;
        for (String line : new String(raw, StandardCharsets.UTF_8).split("\n")) {
            lineNo++;
            String name = line.strip();
            if (name.isEmpty() || name.startsWith("#")) continue;
            if (!validName(name)) {
                LOG.log(Level.WARNING, file + ":" + lineNo + ": not a vassal name; ignored");
                continue;
            }
            if (out.size() == MAX_NAMES) {
                LOG.log(Level.WARNING, file + ":" + lineNo + ": more than " + MAX_NAMES + " names; the rest is ignored");
                break;
            }
            out.add(name);
        }
        return out;
    }

    /** A vassal's name is a file name without its extension: one path element, no control characters. */
    static boolean validName(String name) {
        if (name.isEmpty() || name.length() > 255 || name.equals(".") || name.equals("..")) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c < 0x20 || c == 0x7f) return false;
        }
        return true;
    }

    boolean contains(String name) {
        return names.contains(name);
    }

    Set<String> names() {
        return Collections.unmodifiableSet(names);
    }

    /** Remembers {@code name}; the problem, if the set could not be written (it holds in memory anyway). */
    Optional<String> add(String name) {
        if (!names.add(name)) return Optional.empty();
        return save();
    }

    /** Forgets {@code name}; the problem, if the set could not be written. */
    Optional<String> remove(String name) {
        if (!names.remove(name)) return Optional.empty();
        return save();
    }

    private Optional<String> save() {
        if (dir == null) return Optional.empty();
        if (names.size() > MAX_NAMES) return Optional.of("more than " + MAX_NAMES + " stopped vassals; not written");
        try {
            Path own = StateDir.check(dir, uid, true).orElseThrow();
            StringBuilder text = new StringBuilder(HEADER);
            for (String n : names) text.append(n).append('\n');
            Path temp = own.resolve("." + FILE + ".tmp");
            Files.deleteIfExists(temp);
            try (FileChannel ch = FileChannel.open(temp, Set.<java.nio.file.OpenOption>of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                ByteBuffer buf = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            Files.move(temp, own.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(own, StandardOpenOption.READ)) {
                d.force(true); // the rename itself survives a crash
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            String why = "cannot write " + dir.resolve(FILE) + ": " + e.getMessage();
            LOG.log(Level.WARNING, why + "; the stopped vassals are remembered until the emperor restarts only");
            return Optional.of(why);
        }
    }
}
