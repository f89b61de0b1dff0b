package dev.beamckpt.sdk.table;

import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;

/** The pipeline's last step: delivers each pane of the aggregation to the query's result table. */
public final class ResultTableFn<K, V> extends DoFn<KV<K, V>, Void> {
  private final String tableKey;

  public ResultTableFn(String tableKey) {
    this.tableKey = tableKey;
  }

  @ProcessElement
  public void processElement(@Element KV<K, V> row, BoundedWindow window, PaneInfo pane) {
    Long start = null;
    Long end = null;
    if (window instanceof IntervalWindow w) {
      start = w.start().getMillis();
      end = w.end().getMillis();
    }
    ResultTables.get(tableKey).accept(start, end, row.getKey(), row.getValue(), pane.isLast());
  }
}
