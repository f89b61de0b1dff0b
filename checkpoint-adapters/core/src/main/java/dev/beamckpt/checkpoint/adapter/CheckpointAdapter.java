package dev.beamckpt.checkpoint.adapter;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.LocationDescription;
import dev.beamckpt.checkpoint.RecoveryPlan;
import dev.beamckpt.checkpoint.execution.BatchSink;
import dev.beamckpt.checkpoint.execution.QueryExecution;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import dev.beamckpt.checkpoint.execution.ResultSteps;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Trigger;

/**
 * Maps a checkpoint location's semantics onto one runner's way of keeping state. Adapters are
 * found with {@link java.util.ServiceLoader} and chosen by the pipeline's runner.
 */
public interface CheckpointAdapter {

  /** Whether this adapter runs queries on {@code runner}. */
  boolean supports(Class<? extends PipelineRunner<?>> runner);

  /**
   * Gives the query its result steps, refusing what this runner cannot run before anything is
   * submitted; returns the sink a driver delivers batches to, or null where the pipeline delivers
   * them itself. By default a driver in this JVM rebuilds the table by replay and delivers batches
   * (Direct); a runner that checkpoints the table in its own state delivers from inside the job
   * (Flink).
   *
   * @param spec the query, its sink not yet chosen
   */
  default BatchSink applyResultSteps(QuerySpec spec, ResultSteps steps) {
    return steps.tableInDriver();
  }

  /**
   * How an aggregation in complete or update mode fires so that its result table stays current.
   * By default on every element: the DirectRunner's driver closes a batch once every element of it
   * went through the pipeline, so no row may wait on a timer. A runner that cuts batches inside its
   * own state may fire less often, which is what makes a hot key cost once per firing, not once
   * per element.
   */
  default Trigger updateTrigger(PipelineOptions options) {
    return everyElement();
  }

  /** Fires a pane on every element. */
  static Trigger everyElement() {
    return Repeatedly.forever(AfterPane.elementCountAtLeast(1));
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
