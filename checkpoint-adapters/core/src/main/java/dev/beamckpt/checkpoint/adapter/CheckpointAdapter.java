package dev.beamckpt.checkpoint.adapter;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.LocationDescription;
import dev.beamckpt.checkpoint.RecoveryPlan;
import dev.beamckpt.checkpoint.execution.QueryExecution;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
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

  /** What {@code checkpoint describe} shows of this runner's own state in the location (none by default). */
  default List<LocationDescription.Line> describeState(CheckpointLocation location) throws IOException {
    return List.of();
  }

  /**
   * How the next run on this runner resumes from a location whose recovery plan is {@code plan}
   * ("on Flink the next run restores ..."), or empty if this runner cannot say more than the plan.
   */
  default Optional<String> resumeNote(CheckpointLocation location, RecoveryPlan plan) throws IOException {
    return Optional.empty();
  }
}
