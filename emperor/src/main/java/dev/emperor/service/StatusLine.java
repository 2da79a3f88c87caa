package dev.emperor.service;

import dev.emperor.vassal.VassalState;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The one-line summary {@code systemctl status} shows under the unit: how many vassals run,
 * wait out a throttle, have a broken file or were given up. The four always appear (an
 * operator scans for the same words each time); the passing states only when not zero.
 */
final class StatusLine {

    private StatusLine() {
    }

    static String of(Collection<VassalState> states) {
        Map<VassalState, Integer> counts = new EnumMap<>(VassalState.class);
        for (VassalState s : states) counts.merge(s, 1, Integer::sum);
        StringBuilder line = new StringBuilder();
        line.append(states.size()).append(states.size() == 1 ? " vassal: " : " vassals: ");
        line.append(counts.getOrDefault(VassalState.RUNNING, 0)).append(" running");
        for (VassalState s : List.of(VassalState.STARTING, VassalState.RELOADING, VassalState.STOPPING)) {
            int n = counts.getOrDefault(s, 0);
            if (n > 0) line.append(", ").append(n).append(' ').append(s.label());
        }
        for (VassalState s : List.of(VassalState.BACKOFF, VassalState.INVALID, VassalState.FAILED)) {
            line.append(", ").append(counts.getOrDefault(s, 0)).append(' ').append(s.label());
        }
        return line.toString();
    }

    /** {@code text} fit for a STATUS= value: one line (control characters as spaces), at most 200 chars. */
    static String oneLine(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(200).forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return out.toString();
    }
}
