package dev.emperor.trust;

import dev.emperor.trust.PathWalk.Role;
import dev.emperor.trust.PathWalk.Step;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who can change what a walked path leads to. Its <em>controllers</em> are the users other
 * than the trusted ones (root, the emperor's user) who own a directory on the way, a symlink
 * followed or the target: each of them can make the path lead elsewhere or rewrite the file.
 * Anything writable by group or others lets many users do that, and is a problem of its own.
 *
 * @param controllers untrusted owners, each with the first path that made them one
 * @param writable    one message per directory or file that others may write
 */
record PathCheck(Map<Integer, String> controllers, List<String> writable) {

    /**
     * @param stickyParentAllowed whether the target may sit in a sticky directory others can
     *                            write (tyrant mode: a shared drop directory); ancestors further
     *                            up may always be sticky, as /tmp is, since only an entry's
     *                            owner may replace it there
     */
    static PathCheck of(PathWalk walk, Set<Integer> trusted, boolean stickyParentAllowed) {
        Map<Integer, String> controllers = new LinkedHashMap<>();
        List<String> writable = new ArrayList<>();
        for (Step step : walk.steps()) {
            FileStat st = step.stat();
            if (!trusted.contains(st.uid())) controllers.putIfAbsent(st.uid(), step.path());
            if (step.role() == Role.SYMLINK || !st.writableByGroupOrOthers()) continue;
            boolean parent = step.equals(walk.parent()) && step.role() == Role.DIRECTORY;
            if (step.role() == Role.TARGET && !st.isDirectory()) {
                writable.add(step.path() + " (owner " + UserDb.describe(st.uid()) + ", mode " + st.octalMode()
                        + ") may be written by other users: chmod go-w " + step.path());
            } else if (!st.isSticky()) {
                writable.add(step.path() + " (owner " + UserDb.describe(st.uid()) + ", mode " + st.octalMode()
                        + ") is a directory other users may write, so they can replace what is in it: chmod go-w "
                        + step.path());
            } else if ((parent || step.role() == Role.TARGET) && !stickyParentAllowed) {
                writable.add(step.path() + " (mode " + st.octalMode() + ") is a shared directory every user may add "
                        + "files to; keep vassal files and their includes in a directory only root or the emperor's "
                        + "user can write");
            }
        }
        return new PathCheck(Map.copyOf(controllers), List.copyOf(writable));
    }

    /**
     * One message per reader who could not read the target (or search a directory on the
     * way): the emperor reads only what the users it reads for could read themselves, so
     * that a symlink or include cannot hand them a root-only file.
     */
    static List<String> unreadable(PathWalk walk, Collection<Identity> readers) {
        List<String> out = new ArrayList<>();
        for (Identity who : readers) {
            int[] groups = who.gid() < 0 ? new int[0] : UserDb.groupsOf(who);
            for (Step step : walk.steps()) {
                boolean file = step.role() == Role.TARGET && !step.stat().isDirectory();
                if (step.role() == Role.SYMLINK || (step.role() == Role.TARGET && !file)) continue;
                if (!may(who, groups, step.stat(), file ? 4 : 1)) {
                    out.add(who + " may not " + (file ? "read " : "enter ") + step.path() + " (owner "
                            + UserDb.describe(step.stat().uid()) + ", mode " + step.stat().octalMode()
                            + "); the emperor reads for a user only what that user could read");
                    break;
                }
            }
        }
        return out;
    }

    private static boolean may(Identity who, int[] groups, FileStat st, int bit) {
        if (who.uid() == st.uid()) return ((st.mode() >> 6) & bit) != 0;
        for (int g : groups) {
            if (g == st.gid()) return ((st.mode() >> 3) & bit) != 0;
        }
        return (st.mode() & bit) != 0;
    }
}
