package dev.emperor.cli.top;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the user chose to see: the sort column, which vassals are expanded, the selected row
 * (kept by name and worker id, so it stays put when rows move) and the scroll position.
 */
public final class View {

    private SortColumn sort = SortColumn.NAME;
    private final Set<String> expanded = new HashSet<>();
    private Row.Selection selected;
    private int selectedIndex;
    private int top;

    public SortColumn sort() {
        return sort;
    }

    public void expand(String vassal) {
        expanded.add(vassal);
    }

    /** The table's rows: vassals in sort order, each expanded one followed by its workers. */
    public List<Row> rows(Snapshot snapshot) {
        if (snapshot == null) return List.of(); // no answer yet
        List<Snapshot.Vassal> vassals = new ArrayList<>(snapshot.vassals());
        vassals.sort(sort.order());
        List<Row> rows = new ArrayList<>();
        for (Snapshot.Vassal v : vassals) {
            boolean open = expanded.contains(v.name());
            rows.add(new Row.VassalRow(v, open));
            if (open) v.workers().forEach(w -> rows.add(new Row.WorkerRow(v, w)));
        }
        return rows;
    }

    /** Index of the selected row in {@code rows}: the same vassal or worker as before, else the same place. */
    public int selectedIndex(List<Row> rows) {
        if (rows.isEmpty()) return -1;
        if (selected != null) {
            for (int i = 0; i < rows.size(); i++) {
                if (rows.get(i).selection().equals(selected)) return remember(rows, i);
            }
            for (int i = 0; i < rows.size(); i++) { // its worker is gone or collapsed: its vassal
                if (rows.get(i) instanceof Row.VassalRow && rows.get(i).vassal().name().equals(selected.vassal())) {
                    return remember(rows, i);
                }
            }
        }
        return remember(rows, Math.min(selectedIndex, rows.size() - 1));
    }

    /** First row shown in a body of {@code height} lines, scrolled so that the selection is visible. */
    public int top(List<Row> rows, int height) {
        int sel = selectedIndex(rows);
        if (height <= 0 || sel < 0) return 0;
        if (sel < top) top = sel;
        if (sel >= top + height) top = sel - height + 1;
        top = Math.max(0, Math.min(top, Math.max(0, rows.size() - height)));
        return top;
    }

    /** Applies a key (other than quit) to the rows on screen; {@code page} is the body's height. */
    public void apply(Key key, List<Row> rows, int page) {
        int sel = selectedIndex(rows);
        if (sel < 0 && key != Key.SORT) return;
        switch (key) {
            case UP -> move(rows, sel - 1);
            case DOWN -> move(rows, sel + 1);
            case PAGE_UP -> move(rows, sel - Math.max(1, page));
            case PAGE_DOWN -> move(rows, sel + Math.max(1, page));
            case HOME -> move(rows, 0);
            case END -> move(rows, rows.size() - 1);
            case TOGGLE -> {
                String name = rows.get(sel).vassal().name();
                if (!expanded.remove(name)) expanded.add(name);
                selected = new Row.Selection(name, null); // collapsing from a worker row lands on its vassal
            }
            case SORT -> sort = sort.next();
            case QUIT -> {
            }
        }
    }

    private void move(List<Row> rows, int to) {
        remember(rows, Math.max(0, Math.min(rows.size() - 1, to)));
    }

    private int remember(List<Row> rows, int i) {
        selectedIndex = i;
        selected = rows.get(i).selection();
        return i;
    }
}
