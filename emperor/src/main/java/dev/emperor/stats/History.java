package dev.emperor.stats;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.emperor.daemon.EmperorSnapshot;
import dev.emperor.vassal.VassalStatus;
import dev.emperor.vassal.WorkerStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongUnaryOperator;

/**
 * The last {@link #capacity()} samples of each vassal's resident memory (summed over its live
 * workers) and restart count, for the dashboard's charts. Memory is bounded: one ring of
 * sample times plus two rings of that length per vassal in the latest snapshot (16 bytes a
 * sample); a vassal that leaves the snapshot leaves the history. Thread-safe: the sampler
 * records while HTTP threads render.
 */
final class History {

    /** A slot with no sample for that vassal (it did not exist then, or its memory was unknown). */
    private static final long NONE = -1;

    private final int capacity;
    private final long intervalMs;
    private final long[] times;
    private final Map<String, Series> vassals = new LinkedHashMap<>();
    /** Slot the next sample goes to, and how many slots hold samples. */
    private int next;
    private int filled;

    private record Series(long[] rss, long[] restarts) {
        Series(int capacity) {
            this(filled(capacity), filled(capacity));
        }

        private static long[] filled(int n) {
            long[] a = new long[n];
            Arrays.fill(a, NONE);
            return a;
        }
    }

    History(int capacity, long intervalMs) {
        if (capacity < 2) throw new IllegalArgumentException("a history needs at least 2 samples");
        this.capacity = capacity;
        this.intervalMs = intervalMs;
        this.times = new long[capacity];
    }

    int capacity() {
        return capacity;
    }

    long intervalMs() {
        return intervalMs;
    }

    /** One vassal at one moment: its live workers' resident bytes summed (-1: none known), its restarts. */
    record Sample(String vassal, long rssBytes, long restarts) {
    }

    /** The samples of {@code snapshot}; {@code rss} gives a pid's resident bytes, or -1 when it is gone. */
    static List<Sample> samples(EmperorSnapshot snapshot, LongUnaryOperator rss) {
        List<Sample> out = new ArrayList<>(snapshot.vassals().size());
        for (VassalStatus v : snapshot.vassals()) {
            long sum = NONE;
            for (WorkerStatus w : v.workers()) {
                if (w.pid() == null) continue;
                long bytes = rss.applyAsLong(w.pid());
                if (bytes >= 0) sum = (sum == NONE ? 0 : sum) + bytes;
            }
            out.add(new Sample(v.name(), sum, v.restarts()));
        }
        return out;
    }

    /** Records one sample per vassal taken at {@code nowMs}; vassals not among them are forgotten. */
    synchronized void record(List<Sample> samples, long nowMs) {
        int slot = next;
        times[slot] = nowMs;
        Set<String> present = new HashSet<>();
        for (Sample sample : samples) {
            present.add(sample.vassal());
            Series s = vassals.computeIfAbsent(sample.vassal(), n -> new Series(capacity));
            s.rss()[slot] = sample.rssBytes() < 0 ? NONE : sample.rssBytes();
            s.restarts()[slot] = sample.restarts();
        }
        // every vassal kept is written at every slot, so none can show another's old values
        vassals.keySet().retainAll(present);
        next = (slot + 1) % capacity;
        filled = Math.min(filled + 1, capacity);
    }

    /** Vassals currently held (for tests of the bound). */
    synchronized int vassalCount() {
        return vassals.size();
    }

    /**
     * The samples oldest first: {@code {"interval_ms", "capacity", "t": [ms...], "vassals":
     * {NAME: {"rss_bytes": [...], "restarts": [...]}}}}, null where a vassal had no sample.
     */
    synchronized ObjectNode json(ObjectMapper mapper) {
        ObjectNode root = mapper.createObjectNode();
        root.put("interval_ms", intervalMs);
        root.put("capacity", capacity);
        ArrayNode t = root.putArray("t");
        int first = (next - filled + capacity) % capacity;
        for (int i = 0; i < filled; i++) t.add(times[(first + i) % capacity]);
        ObjectNode vs = root.putObject("vassals");
        vassals.forEach((name, s) -> {
            ObjectNode o = vs.putObject(name);
            ArrayNode rss = o.putArray("rss_bytes");
            ArrayNode restarts = o.putArray("restarts");
            for (int i = 0; i < filled; i++) {
                int slot = (first + i) % capacity;
                add(rss, s.rss()[slot]);
                add(restarts, s.restarts()[slot]);
            }
        });
        return root;
    }

    private static void add(ArrayNode a, long v) {
        if (v == NONE) a.addNull();
        else a.add(v);
    }
}
