package dev.emperor.trust;

import dev.emperor.config.FileReadPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How the emperor's loader opens the files of one vassal: the vassal file itself (judged
 * again on the descriptor it reads, so a swap after {@link FileTrust#check} is caught), and
 * its includes, {@code @(file)} and {@code for-readline} files, which only root, the
 * emperor's user and (tyrant mode) the vassal file's owner may control, and which every user
 * the emperor reads for must be able to read. With strict off, what is not trusted is read
 * and listed in {@link #warnings()}. One instance per load; not thread-safe.
 */
public final class TrustedReadPolicy implements FileReadPolicy {

    private final FileTrust trust;
    private final TrustVerdict verdict;
    private final List<String> warnings = new ArrayList<>();

    TrustedReadPolicy(FileTrust trust, TrustVerdict verdict) {
        this.trust = trust;
        this.verdict = verdict;
    }

    /** What was read though not trusted (strict off): log each as a warning after the load. */
    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    @Override
    public InputStream open(Path file, Purpose purpose) throws IOException {
        if (!verdict.usable()) throw new Refused(String.join("; ", verdict.problems()));
        PathWalk walk = PathWalk.toFile(file);
        try {
            List<String> problems = purpose == Purpose.CONFIG && same(file, verdict.path())
                    ? sameVassalFile(file, walk)
                    : dependency(file, purpose, walk);
            if (!problems.isEmpty()) {
                if (trust.strict() || trust.rootOnlyIfTrusted(verdict.runAs())) {
                    throw new Refused(String.join("; ", problems));
                }
                warnings.addAll(problems);
            }
            InputStream in = new FdInputStream(walk.fd());
            walk = null; // the stream owns the descriptor now
            return in;
        } finally {
            if (walk != null) walk.close();
        }
    }

    private List<String> sameVassalFile(Path file, PathWalk walk) throws IOException {
        TrustVerdict now = trust.judge(file, walk);
        if (now instanceof TrustVerdict.Refused r) throw new Refused(String.join("; ", r.problems()));
        if (!now.runAs().equals(verdict.runAs())) {
            throw new Refused(file + " changed owner while it was being read; it is read again at the next scan");
        }
        return now.problems();
    }

    private List<String> dependency(Path file, Purpose purpose, PathWalk walk) throws IOException {
        PathCheck check = PathCheck.of(walk, trust.trusted(), trust.tyrant());
        List<String> problems = new ArrayList<>();
        for (String w : check.writable()) problems.add("the " + purpose.label() + " " + file + ": " + w);
        Optional<Integer> owner = verdict.runAs().map(Identity::uid);
        Set<Integer> others = new LinkedHashSet<>(check.controllers().keySet());
        owner.ifPresent(others::remove);
        if (!others.isEmpty()) {
            problems.add("the " + purpose.label() + " " + file + " is controlled by other users ("
                    + FileTrust.describe(check) + "); only root" + verdict.runAs().map(id -> ", the emperor's user or "
                    + id + ", who owns " + verdict.path() + ",").orElse(" or the emperor's user")
                    + " may own what a vassal file reads: chown root " + check.controllers().get(others.iterator().next()));
        }
        Set<Identity> readers = new LinkedHashSet<>(verdict.readers());
        readers.addAll(FileTrust.readersOf(check));
        List<String> unreadable = PathCheck.unreadable(walk, readers);
        if (!unreadable.isEmpty()) throw new Refused(String.join("; ", unreadable));
        return problems;
    }

    private static boolean same(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
