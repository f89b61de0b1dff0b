package dev.beamckpt.sdk.table;

import dev.beamckpt.sdk.OutputMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The result table in the driver's JVM (DirectRunner): folds the panes an aggregation emits
 * ({@link ResultFold}) and hands a batch's output to the sink when the batch completes.
 */
public final class ResultTable {
  private record RowKey(Long windowStartMs, Long windowEndMs, Object key) {}

  private final OutputMode mode;
  private final Map<RowKey, TableRow> rows = new LinkedHashMap<>();
  private final Set<RowKey> changed = new LinkedHashSet<>();
  private final List<TableRow> appended = new ArrayList<>();
  /** Rows written in this batch, whatever the mode: the progress metric "updated rows". */
  private final Set<RowKey> touched = new LinkedHashSet<>();
  private long lastUpdated;

  private final ResultFold.Rows<RowKey, TableRow> state = new ResultFold.Rows<>() {
    @Override
    public void put(RowKey id, TableRow row) {
      rows.put(id, row);
      touched.add(id);
    }

    @Override
    public TableRow get(RowKey id) {
      return rows.get(id);
    }

    @Override
    public Iterable<TableRow> all() {
      return rows.values();
    }

    @Override
    public void markChanged(RowKey id) {
      changed.add(id);
    }

    @Override
    public Iterable<RowKey> changed() {
      return changed;
    }

    @Override
    public void append(TableRow row) {
      appended.add(row);
    }

    @Override
    public Iterable<TableRow> appended() {
      return appended;
    }

    @Override
    public void clearBatch() {
      lastUpdated = mode == OutputMode.APPEND ? appended.size() : touched.size();
      changed.clear();
      appended.clear();
      touched.clear();
    }
  };

  public ResultTable(OutputMode mode) {
    this.mode = mode;
  }

  public synchronized void accept(Long windowStartMs, Long windowEndMs, Object key, Object value, boolean finalPane) {
    ResultFold.accept(mode, state, new RowKey(windowStartMs, windowEndMs, key),
        new TableRow(windowStartMs, windowEndMs, key, value), finalPane);
  }

  /** The batch's output in this table's mode, in display order; starts the next batch. */
  public synchronized List<TableRow> drainBatch() {
    List<TableRow> out = ResultFold.drain(mode, state);
    if (mode != OutputMode.APPEND || out.stream().anyMatch(TableRow::windowed)) {
      out.sort(TableRow.DISPLAY_ORDER); // rows no aggregation produced keep the order they were read in
    }
    return out;
  }

  public synchronized long size() {
    return rows.size();
  }

  public synchronized long lastUpdated() {
    return lastUpdated;
  }
}
