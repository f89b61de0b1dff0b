package dev.beamckpt.sdk.sink;

import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.table.TableRow;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * Where a query's batches go: console, memory, files. Serializable because on runners that keep
 * the result table in their own state (Flink) the sink runs in the pipeline's tasks.
 */
public interface Sink extends Serializable {

  String description();

  /**
   * Writes one batch's output rows.
   *
   * @param columns the names of the key and value columns ("word", "count")
   */
  void addBatch(long batchId, OutputMode mode, List<String> columns, List<TableRow> rows) throws IOException;

  /**
   * Why this sink needs a checkpoint location, or null if it works without one. A sink that writes
   * each batch once by its id does: without a location every run numbers its batches from 1.
   */
  default String whyItNeedsALocation() {
    return null;
  }
}
