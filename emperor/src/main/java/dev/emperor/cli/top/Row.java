package dev.emperor.cli.top;

/** A line of top's table: a vassal, or one of its workers under it when the vassal is expanded. */
public sealed interface Row {

    Snapshot.Vassal vassal();

    /** What stays selected across refreshes and re-sorting. */
    Selection selection();

    record VassalRow(Snapshot.Vassal vassal, boolean expanded) implements Row {
        @Override
        public Selection selection() {
            return new Selection(vassal.name(), null);
        }
    }

    record WorkerRow(Snapshot.Vassal vassal, Snapshot.Worker worker) implements Row {
        @Override
        public Selection selection() {
            return new Selection(vassal.name(), worker.id());
        }
    }

    /** A vassal by name, or one of its workers by id (null for the vassal itself). */
    record Selection(String vassal, Integer worker) {
    }
}
