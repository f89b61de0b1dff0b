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
   * inside the pipeline what each of the runner's checkpoints holds as a batch, each committed
   * through {@code committer} (null without a checkpoint location) once that checkpoint completed.
   * In complete mode the table hands its whole self on at most every {@code completeEvery}, or
   * after every change if that is zero: for a runner whose batch is what one checkpoint holds, as
   * its barriers and a stop with a savepoint wait for no timer.
   */
  void tableInRunnerState(Duration completeEvery, BatchCommitter committer);
}
