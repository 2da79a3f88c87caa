package dev.emperor.e2e;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** systemd's side of {@code NOTIFY_SOCKET}: every message, as text, with when it arrived. */
final class NotifyListener implements AutoCloseable {

    private final UnixDatagramListener<String> socket;

    NotifyListener(Path path) {
        socket = new UnixDatagramListener<>(path, "notify-listener", 4096, b -> new String(b, StandardCharsets.UTF_8));
    }

    Path path() {
        return socket.path();
    }

    List<String> received() {
        return socket.values();
    }

    /** Waits for a datagram at index {@code from} or later that has {@code line} as one of its lines; returns its index. */
    int awaitAfter(int from, String line, Duration within) {
        int[] found = {-1};
        await("datagram with " + line).atMost(within).pollInterval(Duration.ofMillis(20)).until(() -> {
            List<String> all = received();
            for (int i = from; i < all.size(); i++) {
                if (all.get(i).lines().anyMatch(line::equals)) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** How many datagrams were exactly {@code message}. */
    int count(String message) {
        return (int) received().stream().filter(message::equals).count();
    }

    /** Milliseconds between one {@code message} datagram and the next. */
    List<Long> gapsMillis(String message) {
        List<Long> at = socket.received().stream().filter(d -> d.value().equals(message))
                .map(UnixDatagramListener.Arrived::atNanos).toList();
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < at.size(); i++) gaps.add((at.get(i) - at.get(i - 1)) / 1_000_000);
        return gaps;
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
    }
}
