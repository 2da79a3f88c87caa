package dev.emperor.vassal.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * journald's side of the native protocol for tests: a bound unix datagram socket, read by one
 * thread that can be paused (a journal that does not keep up), each datagram decoded into
 * its fields (a strict decoder: a malformed entry fails the test).
 */
final class JournalListener implements AutoCloseable {

    interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, byte[] addr, int len) throws LastErrorException;

        int setsockopt(int fd, int level, int option, long[] value, int len) throws LastErrorException;

        long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final LibC C = Native.load("c", LibC.class);
    private final Path path;
    private final int fd;
    private final List<Map<String, String>> entries = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean paused;
    private volatile boolean closed;

    JournalListener(Path path) {
        this.path = path;
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        byte[] addr = new byte[2 + name.length + 1];
        addr[0] = 1; // AF_UNIX
        System.arraycopy(name, 0, addr, 2, name.length);
        fd = C.socket(1, 2 | 02000000, 0); // AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC
        C.bind(fd, addr, addr.length);
        C.setsockopt(fd, 1, 20, new long[] {0, 50_000}, 16); // SO_RCVTIMEO 50 ms: close() and pause() are seen
        reader = Thread.ofPlatform().name("journal-listener").daemon(true).start(this::read);
    }

    private void read() {
        byte[] buf = new byte[1 << 20];
        while (!closed) {
            if (paused) {
                Thread.onSpinWait();
                try {
                    Thread.sleep(10); // a stalled journal: nothing is read
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            try {
                long n = C.recv(fd, buf, buf.length, 0);
                byte[] d = new byte[(int) n];
                System.arraycopy(buf, 0, d, 0, d.length);
                entries.add(decode(d));
            } catch (LastErrorException e) {
                if (e.getErrorCode() != 11 && e.getErrorCode() != 4) throw e; // EAGAIN (timeout), EINTR
            }
        }
    }

    /** journald's native format, strictly: every field ends with a newline; duplicate names fail. */
    static Map<String, String> decode(byte[] d) {
        Map<String, String> fields = new LinkedHashMap<>();
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int start = b.position();
            int i = start;
            while (d[i] != '=' && d[i] != '\n') i++;
            String name = new String(d, start, i - start, StandardCharsets.US_ASCII);
            String value;
            if (d[i] == '=') {
                int end = i + 1;
                while (d[end] != '\n') end++;
                value = new String(d, i + 1, end - i - 1, StandardCharsets.UTF_8);
                b.position(end + 1);
            } else {
                b.position(i + 1);
                long len = b.getLong();
                byte[] v = new byte[(int) len];
                b.get(v);
                if (b.get() != '\n') throw new IllegalStateException("binary field " + name + " not ended by a newline");
                value = new String(v, StandardCharsets.UTF_8);
            }
            if (!name.matches("[A-Z0-9_]+") || name.startsWith("_")) throw new IllegalStateException("bad field name " + name);
            if (fields.put(name, value) != null) throw new IllegalStateException("field " + name + " twice");
        }
        return fields;
    }

    Path path() {
        return path;
    }

    void pause(boolean on) {
        paused = on;
    }

    List<Map<String, String>> entries() {
        return List.copyOf(entries);
    }

    List<Map<String, String>> matching(Predicate<Map<String, String>> p) {
        List<Map<String, String>> out = new ArrayList<>();
        for (Map<String, String> e : entries) if (p.test(e)) out.add(e);
        return out;
    }

    Map<String, String> awaitEntry(String what, Predicate<Map<String, String>> p) {
        Awaitility.await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> !matching(p).isEmpty());
        return matching(p).get(0);
    }

    @Override
    public void close() throws InterruptedException {
        if (closed) return;
        closed = true;
        reader.join(2000);
        C.close(fd);
    }
}
