package dev.beamckpt.checkpoint.adapter.flink;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.LocationDescription;
import dev.beamckpt.checkpoint.RecoveryPlan;
import dev.beamckpt.checkpoint.adapter.CheckpointAdapter;
import dev.beamckpt.checkpoint.execution.BatchCommitter;
import dev.beamckpt.checkpoint.execution.BatchSink;
import dev.beamckpt.checkpoint.execution.QueryExecution;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import dev.beamckpt.checkpoint.execution.ResultSteps;
import dev.beamckpt.runners.flink.PatchedRunnerClasses;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.joda.time.Duration;

/**
 * Flink keeps state in its own checkpoints: the location's {@code state/} is Flink's checkpoint
 * storage, a restart resumes from the newest completed checkpoint or savepoint in it, and the
 * result table lives in Flink state, so batches are delivered from inside the job.
 */
public final class FlinkAdapter implements CheckpointAdapter {
  @Override
  public boolean supports(Class<? extends PipelineRunner<?>> runner) {
    return FlinkRunner.class.isAssignableFrom(runner);
  }

  /**
   * The table lives in Flink state; a batch is what one checkpoint (every runner interval) holds,
   * committed once it completed, so a complete table goes on after every change (no timer holds it
   * back from a checkpoint or a stop's savepoint).
   */
  @Override
  public BatchSink applyResultSteps(QuerySpec spec, ResultSteps steps) {
    if (spec.trigger().isAvailableNow() && spec.checkpointLocation() == null) {
      throw new IllegalArgumentException("Query '" + spec.name() + "': --trigger=availableNow on Flink needs a"
          + " --checkpointLocation: the query stops once a completed checkpoint covers all the input it found.");
    }
    steps.tableInRunnerState(java.time.Duration.ZERO, BatchCommitter.forQuery(spec));
    return null;
  }

  /** Per key at most every --updateFiringMillis: the table in Flink state is cut into batches by the checkpoints. */
  @Override
  public Trigger updateTrigger(PipelineOptions options) {
    long millis = options.as(FlinkCheckpointOptions.class).getUpdateFiringMillis();
    if (millis < 0) {
      throw new IllegalArgumentException("--updateFiringMillis=" + millis + " is negative: give 0 (every element) or"
          + " a delay in milliseconds, e.g. 200.");
    }
    return millis == 0 ? CheckpointAdapter.everyElement()
        : Repeatedly.forever(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(Duration.millis(millis)));
  }

  @Override
  public QueryExecution start(QuerySpec spec) throws IOException {
    PatchedRunnerClasses.verify();
    return FlinkQueryExecution.start(spec);
  }

  @Override
  public List<LocationDescription.Line> describeState(CheckpointLocation location) throws IOException {
    Optional<String> stateUri = stateUri(location);
    List<FlinkRestorePoint> points = stateUri.isPresent() ? FlinkRestorePoint.all(stateUri.get()) : List.of();
    if (points.isEmpty()) {
      return List.of();
    }
    List<String> newest = new ArrayList<>();
    for (FlinkRestorePoint p : points.subList(Math.max(0, points.size() - 5), points.size())) {
      newest.add(p.name() + (p.isSavepoint() ? " (savepoint)" : "") + ", completed "
          + Instant.ofEpochMilli(p.completedAtMs()) + ", " + LocationDescription.human(p.bytes()));
    }
    return List.of(new LocationDescription.Line("Flink state",
        points.size() + " completed checkpoint(s)/savepoint(s), newest last:", newest));
  }

  @Override
  public Optional<String> resumeNote(CheckpointLocation location, RecoveryPlan plan) throws IOException {
    Optional<String> stateUri = stateUri(location);
    Optional<FlinkRestorePoint> latest = stateUri.isPresent() ? FlinkRestorePoint.latest(stateUri.get()) : Optional.empty();
    return latest.map(p -> "on Flink the next run restores " + p.name()
        + " and continues at batch " + (plan.lastCommitted() + 1));
  }

  /** The URI of the location's state/ if it has one (describe creates nothing). */
  private static Optional<String> stateUri(CheckpointLocation location) throws IOException {
    return location.storage().list(CheckpointLocation.STATE).isEmpty()
        ? Optional.empty() : Optional.of(FlinkState.uri(location.storage()));
  }
}
