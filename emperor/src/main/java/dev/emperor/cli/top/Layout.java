package dev.emperor.cli.top;

import java.util.ArrayList;
import java.util.List;

/**
 * Draws one frame as lines of at most {@code width} characters (escape codes aside): a summary
 * line, the column headers, the rows that fit, and a line of keys. Columns that do not fit are
 * dropped, least useful first; names that do not fit end in an ellipsis.
 */
public final class Layout {

    static final int NAME_MIN = 14;
    static final int NAME_MAX = 40;
    /** At most this many lines of why the emperor does not answer. */
    static final int PROBLEM_LINES = 4;

    /** The columns after the name, left to right; {@code dropRank} 0 goes first when the terminal is narrow. */
    enum Column {
        STATE("STATE", 9, false, 8),
        WORKERS("WRK", 5, true, 4),
        HEALTH("HEALTH", 8, false, 3),
        RESTARTS("RST", 4, true, 5),
        UPTIME("UPTIME", 6, true, 2),
        CPU("CPU%", 5, true, 7),
        RSS("RSS", 5, true, 6),
        HEAP("HEAP", 5, true, 1),
        BEAT("BEAT", 6, true, 0);

        final String header;
        final int width;
        final boolean right;
        final int dropRank;

        Column(String header, int width, boolean right, int dropRank) {
            this.header = header;
            this.width = width;
            this.right = right;
            this.dropRank = dropRank;
        }
    }

    /** The emperor's answer could not be had: why, and since when (a clock time). */
    public record Problem(String message, String since) {
    }

    private final Style style;

    public Layout(Style style) {
        this.style = style;
    }

    /** The columns shown at {@code width}, with the name column's width first. */
    static List<Column> columns(int width) {
        List<Column> shown = new ArrayList<>(List.of(Column.values()));
        while (!shown.isEmpty() && 1 + NAME_MIN + used(shown) > width) {
            shown.remove(shown.stream().min(java.util.Comparator.comparingInt(c -> c.dropRank)).orElseThrow());
        }
        return shown;
    }

    private static int used(List<Column> columns) {
        return columns.stream().mapToInt(c -> c.width + 1).sum();
    }

    /**
     * The frame. {@code height} 0 means no limit (one frame for a script: every row, no key
     * help); {@code problem} is null while the emperor answers; {@code filter} is the vassal
     * asked for on the command line, or null.
     */
    public List<String> render(Snapshot snapshot, Problem problem, View view, String filter, int width, int height,
            String clock) {
        List<Column> columns = columns(width);
        int nameWidth = Math.max(1, Math.min(NAME_MAX, width - 1 - used(columns)));
        List<String> out = new ArrayList<>();
        if (problem != null) {
            out.add(style.warn(fit("emperor not answering since " + problem.since() + ", retrying (last data below)",
                    width, false)));
            problem.message().lines().map(String::strip).filter(l -> !l.isEmpty()).limit(PROBLEM_LINES)
                    .forEach(l -> out.add(style.warn(fit("  " + l, width, false))));
        } else {
            out.add(fit(summary(snapshot, clock), width, false));
        }
        StringBuilder header = new StringBuilder(" ").append(fit("NAME", nameWidth, false));
        for (Column c : columns) header.append(' ').append(fit(c.header, c.width, c.right));
        out.add(style.header(fit(header.toString(), width, false)));

        List<Row> rows = view.rows(snapshot);
        int selected = height <= 0 ? -1 : view.selectedIndex(rows);
        // the selected vassal's error (why it is invalid, failed or backing off) above the keys
        String why = selected >= 0 ? rows.get(selected).vassal().error() : null;
        int reserved = 1 + (why != null ? 1 : 0);
        int body = height <= 0 ? rows.size() : Math.max(0, height - out.size() - reserved);
        int top = view.top(rows, body);
        if (rows.isEmpty() && body > 0) {
            out.add(" " + fit(filter != null ? "no vassal named " + filter : snapshot == null ? "" : "no vassals",
                    width - 1, false));
        }
        for (int i = top; i < Math.min(rows.size(), top + body); i++) {
            out.add(row(rows.get(i), i == selected, nameWidth, columns, width));
            if (height <= 0 && rows.get(i) instanceof Row.VassalRow r && r.vassal().error() != null) {
                out.add(fit("    error: " + r.vassal().error().replace('\n', ' '), width, false));
            }
        }
        if (height > 0) {
            while (out.size() < height - reserved) out.add("");
            if (why != null) {
                out.add(style.warn(fit(rows.get(selected).vassal().name() + ": " + why.replace('\n', ' '), width,
                        false)));
            }
            boolean broken = rows.stream().anyMatch(r -> r instanceof Row.VassalRow && r.vassal().configError());
            out.add(fit("q quit  j/k move  enter expand  s sort (" + view.sort().label() + ")"
                    + (broken ? "  !: file broken, old settings run" : ""), width, false));
        }
        return height > 0 && out.size() > height ? out.subList(0, height) : out;
    }

    private static String summary(Snapshot snapshot, String clock) {
        if (snapshot == null) return "emperor: waiting for its first answer  " + clock;
        Snapshot.Emperor e = snapshot.emperor();
        java.util.Map<String, Integer> states = new java.util.TreeMap<>();
        for (Snapshot.Vassal v : snapshot.vassals()) states.merge(v.state(), 1, Integer::sum);
        StringBuilder b = new StringBuilder("emperor");
        if (e.pid() != null) b.append(" pid ").append(e.pid());
        if (e.uptimeMs() != null) b.append(" up ").append(Units.duration(e.uptimeMs()));
        b.append("  ").append(snapshot.vassals().size()).append(snapshot.vassals().size() == 1 ? " vassal" : " vassals");
        if (!states.isEmpty()) {
            b.append(':');
            states.forEach((s, n) -> b.append(' ').append(n).append(' ').append(s));
        }
        return b.append("  ").append(clock).toString();
    }

    private String row(Row row, boolean selected, int nameWidth, List<Column> columns, int width) {
        StringBuilder b = new StringBuilder(selected ? ">" : " ");
        switch (row) {
            case Row.VassalRow r -> {
                Snapshot.Vassal v = r.vassal();
                String mark = v.workers().isEmpty() ? "  " : r.expanded() ? "- " : "+ ";
                b.append(fit(mark + v.name(), nameWidth, false));
                for (Column c : columns) b.append(' ').append(vassalCell(c, v));
            }
            case Row.WorkerRow r -> {
                Snapshot.Worker w = r.worker();
                b.append(fit("  #" + w.id() + " pid " + (w.pid() == null ? "-" : w.pid()), nameWidth, false));
                for (Column c : columns) b.append(' ').append(workerCell(c, w));
            }
        }
        int pad = width - visibleLength(b);
        if (pad > 0) b.append(" ".repeat(pad));
        return selected ? style.selected(b.toString()) : b.toString();
    }

    private String vassalCell(Column c, Snapshot.Vassal v) {
        return switch (c) {
            case STATE -> v.configError() && !v.state().equals("invalid")
                    ? style.warn(fit("!" + v.state(), c.width, false)) // the file broke; the old settings run on
                    : style.state(v.state(), fit(v.state(), c.width, false));
            case WORKERS -> fit(v.live() + "/" + v.wanted(), c.width, true);
            case HEALTH -> style.health(v.health(), fit(v.health() == null ? "-" : v.health(), c.width, false));
            case RESTARTS -> fit(Long.toString(v.restarts()), c.width, true);
            case UPTIME -> fit(Units.duration(v.uptimeMs()), c.width, true);
            case CPU -> fit(Units.percent(v.cpuPercent()), c.width, true);
            case RSS -> fit(Units.bytes(v.rssBytes()), c.width, true);
            case HEAP -> fit(Units.bytes(v.heapBytes()), c.width, true);
            case BEAT -> fit(Units.age(v.heartbeatAgeMs()), c.width, true);
        };
    }

    private String workerCell(Column c, Snapshot.Worker w) {
        return switch (c) {
            case STATE -> style.state(w.state(), fit(w.state(), c.width, false));
            case WORKERS -> fit("", c.width, true);
            case HEALTH -> style.health(w.health(), fit(w.health() == null ? "-" : w.health(), c.width, false));
            case RESTARTS -> fit(Long.toString(w.restarts()), c.width, true);
            case UPTIME -> fit(Units.duration(w.uptimeMs()), c.width, true);
            case CPU -> fit(Units.percent(w.cpuPercent()), c.width, true);
            case RSS -> fit(Units.bytes(w.rssBytes()), c.width, true);
            case HEAP -> fit(Units.bytes(w.heapBytes()), c.width, true);
            case BEAT -> fit(Units.age(w.heartbeatAgeMs()), c.width, true);
        };
    }

    /** {@code text} padded to exactly {@code width}, or cut with an ellipsis; control characters shown as '?'. */
    String fit(String text, int width, boolean right) {
        if (width <= 0) return "";
        String clean = text.codePoints().map(cp -> Character.isISOControl(cp) ? '?' : cp)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        int length = clean.codePointCount(0, clean.length());
        if (length > width) {
            int keep = Math.max(0, width - style.ellipsis().length());
            return clean.substring(0, clean.offsetByCodePoints(0, keep)) + style.ellipsis().substring(0, width - keep);
        }
        String pad = " ".repeat(width - length);
        return right ? pad + clean : clean + pad;
    }

    private static int visibleLength(CharSequence s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\033') {
                while (i < s.length() && s.charAt(i) != 'm') i++;
            } else if (!Character.isLowSurrogate(s.charAt(i))) {
                n++;
            }
        }
        return n;
    }
}
