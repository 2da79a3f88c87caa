package dev.emperor.daemon;

import dev.emperor.monitor.VassalSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a reload of the emperor's settings changes, worked out before anything is applied:
 * the settings to run with from now on (what can change live taken from the new ones, the
 * rest kept), the directories watched from now on and no more, and a warning per setting
 * that only a restart applies.
 *
 * @param applied  the settings to run with
 * @param added    directories watched from now on
 * @param removed  directories no longer watched (their vassals stop)
 * @param warnings one per setting that changed but cannot change while the emperor runs
 */
record SettingsChange(EmperorSettings applied, List<Path> added, List<Path> removed, List<String> warnings) {

    SettingsChange {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        warnings = List.copyOf(warnings);
    }

    static SettingsChange between(EmperorSettings old, EmperorSettings next, List<String> files) {
        String where = files.isEmpty() ? "the emperor's settings" : String.join(", ", files);
        List<String> warnings = new ArrayList<>();
        fixed("run-dir", old.runDir(), next.runDir(), where, warnings);
        fixed("stats", old.stats(), next.stats(), where, warnings);
        fixed("state-dir", old.stateDir(), next.stateDir(), where, warnings);
        if (!old.onEvent().equals(next.onEvent())) {
            warnings.add("on-event or on-event-timeout changed in " + where + "; restart the emperor to apply it");
        }
        // actions can be turned off live (the dashboard refuses them from now on), on only at a restart
        if (!old.statsActions() && next.statsActions()) {
            fixed("stats-actions", false, true, where, warnings);
        }
        EmperorSettings applied = new EmperorSettings(next.sources(), old.runDir(), next.throttle(),
                next.rescanInterval(), old.stats(), next.requiredHeartbeat(), next.vassalDefaults(), next.trust(),
                old.stateDir(), old.statsActions() && next.statsActions(), old.onEvent());
        Set<Path> before = directories(old.sources());
        Set<Path> after = directories(next.sources());
        List<Path> added = after.stream().filter(d -> !before.contains(d)).toList();
        List<Path> removed = before.stream().filter(d -> !after.contains(d)).toList();
        return new SettingsChange(applied, added, removed, warnings);
    }

    private static void fixed(String key, Object was, Object now, String where, List<String> warnings) {
        if (!Objects.equals(was, now)) {
            warnings.add(key + " changed in " + where + " (" + shown(was) + " -> " + shown(now)
                    + "); restart the emperor to apply it");
        }
    }

    private static String shown(Object value) {
        return value instanceof java.util.Optional<?> o ? o.map(Object::toString).orElse("none") : String.valueOf(value);
    }

    private static Set<Path> directories(List<VassalSource> sources) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (VassalSource s : sources) dirs.add(s.directory());
        return dirs;
    }

    /** One line for the log and the reply. */
    String summary() {
        List<String> parts = new ArrayList<>();
        if (!added.isEmpty()) parts.add("now watching " + join(added));
        if (!removed.isEmpty()) parts.add("no longer watching " + join(removed) + " (its vassals stop)");
        return String.join("; ", parts);
    }

    private static String join(List<Path> paths) {
        return String.join(", ", paths.stream().map(Path::toString).toList());
    }
}
