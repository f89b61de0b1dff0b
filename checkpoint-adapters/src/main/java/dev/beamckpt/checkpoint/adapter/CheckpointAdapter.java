package dev.beamckpt.checkpoint.adapter;

import dev.beamckpt.checkpoint.execution.QueryExecution;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import java.io.IOException;
import org.apache.beam.sdk.PipelineRunner;

/**
 * Maps a checkpoint location's semantics onto one runner's way of keeping state. Adapters are
 * found with {@link java.util.ServiceLoader} and chosen by the pipeline's runner.
 */
public interface CheckpointAdapter {

  /** Whether this adapter runs queries on {@code runner}. */
  boolean supports(Class<? extends PipelineRunner<?>> runner);

  /**
   * Whether the runner checkpoints the query's result table and delivers batches itself, from
   * inside the pipeline (Flink); if not, a driver in this JVM rebuilds the table by replay and
   * delivers batches to {@link QuerySpec#sink()} (Direct).
   */
  default boolean resultTableInRunnerState() {
    return false;
  }

  /** Validates, restores and starts the query; fails before anything runs if it cannot resume. */
  QueryExecution start(QuerySpec spec) throws IOException;
}
