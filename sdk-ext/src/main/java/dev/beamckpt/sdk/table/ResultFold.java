package dev.beamckpt.sdk.table;

import dev.beamckpt.sdk.OutputMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Spark's output modes as one fold over a result table's state, wherever that state lives: a map
 * in the driver's JVM ({@link ResultTable}, DirectRunner) or the runner's checkpointed state
 * ({@link StatefulResultTable}, Flink). Complete and update receive accumulating panes (a row's
 * current value); append receives each closed window's final pane once.
 *
 * @param <I> a row's identity (its window and key)
 * @param <R> a row
 */
final class ResultFold {
  private ResultFold() {}

  /** The table's state: every row by identity, the rows changed in this batch, the rows appended to it. */
  interface Rows<I, R> {
    void put(I id, R row);

    R get(I id);

    Iterable<R> all();

    void markChanged(I id);

    Iterable<I> changed();

    void append(R row);

    Iterable<R> appended();

    /** Forgets what this batch changed and appended; the rows stay. */
    void clearBatch();
  }

  /** Folds one pane of the aggregation into the table. */
  static <I, R> void accept(OutputMode mode, Rows<I, R> rows, I id, R row, boolean finalPane) {
    if (mode == OutputMode.APPEND) {
      if (finalPane) {
        rows.append(row);
      }
      return;
    }
    rows.put(id, row);
    if (mode == OutputMode.UPDATE) {
      rows.markChanged(id);
    }
  }

  /** The batch's output in {@code mode}; starts the next batch. */
  static <I, R> List<R> drain(OutputMode mode, Rows<I, R> rows) {
    List<R> out = new ArrayList<>();
    switch (mode) {
      case COMPLETE -> rows.all().forEach(out::add);
      case UPDATE -> rows.changed().forEach(id -> out.add(rows.get(id)));
      case APPEND -> rows.appended().forEach(out::add);
    }
    rows.clearBatch();
    return out;
  }
}
