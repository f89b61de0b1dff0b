package dev.beamckpt.checkpoint.execution;

import java.time.Duration;

/**
 * The places a query's result table can live, offered by the API that builds the query ({@code
 * WriteStream}); the runner's adapter picks one ({@code CheckpointAdapter#applyResultSteps}), so
 * the API never asks which runner it is on.
 */
public interface ResultSteps {

  /**
   * A table in this JVM that the pipeline updates and a driver folds into batches: returns the
   * sink the driver delivers each batch to.
   */
  BatchSink tableInDriver();

  /**
   * A table in the runner's keyed state, checkpointed with the rest of the job, delivering from
   * inside the pipeline what each of the runner's checkpoints (every {@code batchInterval}) holds
   * as a batch, each committed through {@code committer} (null without a checkpoint location) once
   * that checkpoint completed.
   */
  void tableInRunnerState(Duration batchInterval, BatchCommitter committer);
}
