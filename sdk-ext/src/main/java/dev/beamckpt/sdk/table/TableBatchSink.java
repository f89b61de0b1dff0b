package dev.beamckpt.sdk.table;

import dev.beamckpt.checkpoint.execution.BatchSink;
import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.sink.Sink;
import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.apache.beam.sdk.transforms.windowing.WindowFn;

/** Delivers a completed batch from the result table to the user's sink, or mutes it on replay. */
public final class TableBatchSink implements BatchSink {
  private final ResultTable table;
  private final Sink sink;
  private final OutputMode mode;
  private final List<String> columns;
  private final WindowFn<?, ?> windowFn;

  public TableBatchSink(ResultTable table, Sink sink, OutputMode mode, List<String> columns, WindowFn<?, ?> windowFn) {
    this.table = table;
    this.sink = sink;
    this.mode = mode;
    this.columns = columns;
    this.windowFn = windowFn;
  }

  @Override
  public String description() {
    return sink.description();
  }

  @Override
  public long addBatch(long batchId, boolean replay) throws IOException {
    List<TableRow> rows = table.drainBatch();
    if (replay) {
      return 0;
    }
    sink.addBatch(batchId, mode, columns, rows);
    return rows.size();
  }

  /**
   * Fixed windows: a window end lies in (previous, next] and not after the window of the latest
   * record. Other event-time windows: some record may still sit in an open window.
   */
  @Override
  public boolean watermarkMayEmit(long previousMs, long nextMs, long maxEventTimeMs) {
    if (windowFn instanceof GlobalWindows || maxEventTimeMs == Long.MIN_VALUE || nextMs <= previousMs) {
      return false;
    }
    if (windowFn instanceof FixedWindows f) {
      long size = f.getSize().getMillis();
      long offset = f.getOffset().getMillis();
      long lastEnd = Math.floorDiv(maxEventTimeMs - offset, size) * size + offset + size;
      long firstEndAfter = previousMs == Long.MIN_VALUE ? Long.MIN_VALUE
          : Math.floorDiv(previousMs - offset, size) * size + offset + size;
      return firstEndAfter <= Math.min(nextMs, lastEnd);
    }
    long span = windowFn instanceof SlidingWindows s ? s.getSize().getMillis()
        : windowFn instanceof Sessions s ? s.getGapDuration().getMillis() : Long.MAX_VALUE / 4;
    return previousMs == Long.MIN_VALUE || previousMs < maxEventTimeMs + span;
  }

  @Override
  public long stateRows() {
    return table.size();
  }

  @Override
  public long updatedRows() {
    return table.lastUpdated();
  }
}
