package dev.beamckpt.sdk.table;

import dev.beamckpt.sdk.OutputMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds the panes an aggregation emits into Spark's result table, and hands a batch's output to
 * the sink when the batch completes. Complete and update receive accumulating panes (each row's
 * current value); append receives each closed window's final pane once.
 */
public final class ResultTable {
  private record RowKey(Long windowStartMs, Long windowEndMs, Object key) {}

  private final OutputMode mode;
  private final Map<RowKey, Object> rows = new LinkedHashMap<>();
  private final Set<RowKey> changed = new LinkedHashSet<>();
  private final List<TableRow> appended = new ArrayList<>();
  private long lastUpdated;

  public ResultTable(OutputMode mode) {
    this.mode = mode;
  }

  public synchronized void accept(Long windowStartMs, Long windowEndMs, Object key, Object value, boolean finalPane) {
    if (mode == OutputMode.APPEND) {
      if (finalPane) {
        appended.add(new TableRow(windowStartMs, windowEndMs, key, value));
      }
      return;
    }
    RowKey k = new RowKey(windowStartMs, windowEndMs, key);
    rows.put(k, value);
    changed.add(k);
  }

  /** The batch's output in this table's mode, in display order; starts the next batch. */
  public synchronized List<TableRow> drainBatch() {
    List<TableRow> out = new ArrayList<>();
    switch (mode) {
      case COMPLETE -> rows.forEach((k, v) -> out.add(row(k, v)));
      case UPDATE -> changed.forEach(k -> out.add(row(k, rows.get(k))));
      case APPEND -> out.addAll(appended);
    }
    lastUpdated = mode == OutputMode.APPEND ? appended.size() : changed.size();
    changed.clear();
    appended.clear();
    out.sort(TableRow.DISPLAY_ORDER);
    return out;
  }

  private static TableRow row(RowKey k, Object v) {
    return new TableRow(k.windowStartMs(), k.windowEndMs(), k.key(), v);
  }

  public synchronized long size() {
    return rows.size();
  }

  public synchronized long lastUpdated() {
    return lastUpdated;
  }
}
