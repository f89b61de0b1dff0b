package dev.beamckpt.checkpoint.execution;

import java.io.IOException;

/**
 * Where a micro-batch driver delivers a finished batch: implemented by the query's sink, which has
 * been collecting the pipeline's results for the batch.
 */
public interface BatchSink {

  String description();

  /**
   * The batch's results are complete: write them (or, for a replayed batch whose output was
   * already committed, drop them) and return how many rows were written.
   */
  long addBatch(long batchId, boolean replay) throws IOException;

  /**
   * Whether a batch with no new input should run because moving the watermark from {@code
   * previousMs} to {@code nextMs} may close windows holding data up to {@code maxEventTimeMs}
   * (Spark's no-data batches).
   */
  boolean watermarkMayEmit(long previousMs, long nextMs, long maxEventTimeMs);

  /** Rows in the result table (Spark's stateOperators.numRowsTotal). */
  long stateRows();

  /** Rows the last batch changed (stateOperators.numRowsUpdated). */
  long updatedRows();
}
