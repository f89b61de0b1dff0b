package dev.beamckpt.sdk.sink;

import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.table.TableRow;
import java.io.IOException;
import java.util.List;

/** Where a query's batches go: console, memory, files. */
public interface Sink {

  String description();

  /**
   * Writes one batch's output rows.
   *
   * @param columns the names of the key and value columns ("word", "count")
   */
  void addBatch(long batchId, OutputMode mode, List<String> columns, List<TableRow> rows) throws IOException;
}
