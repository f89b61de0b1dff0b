package dev.beamckpt.checkpoint.adapter.dataflow;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.LocationDescription;
import dev.beamckpt.checkpoint.RecoveryPlan;
import dev.beamckpt.checkpoint.adapter.CheckpointAdapter;
import dev.beamckpt.checkpoint.execution.BatchCommitter;
import dev.beamckpt.checkpoint.execution.BatchSink;
import dev.beamckpt.checkpoint.execution.QueryExecution;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import dev.beamckpt.checkpoint.execution.ResultSteps;
import dev.beamckpt.checkpoint.log.RunInfo;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.beam.runners.dataflow.DataflowRunner;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.joda.time.Duration;

/**
 * Dataflow keeps state in its jobs and snapshots: the location records which job and which
 * snapshot hold the query's state ({@link DataflowQueryExecution}), and the result table lives in
 * the job's keyed state, delivered and committed from the workers as on Flink.
 */
public final class DataflowAdapter implements CheckpointAdapter {
  /** A row changes in the table at most this often per key (as Flink's --updateFiringMillis default). */
  private static final long UPDATE_FIRING_MS = 200;

  @Override
  public boolean supports(Class<? extends PipelineRunner<?>> runner) {
    return DataflowRunner.class.isAssignableFrom(runner);
  }

  @Override
  public BatchSink applyResultSteps(QuerySpec spec, ResultSteps steps) {
    if (spec.trigger().isAvailableNow()) {
      throw new IllegalArgumentException("Query '" + spec.name() + "': --trigger=availableNow does not run on Dataflow"
          + " (a streaming job there runs until it is stopped); use a processing-time trigger, e.g."
          + " --trigger=\"10 seconds\".");
    }
    if (spec.checkpointLocation() != null && !spec.checkpointLocation().startsWith("gs://")) {
      throw new IllegalArgumentException("Query '" + spec.name() + "': --checkpointLocation=" + spec.checkpointLocation()
          + " is not on Cloud Storage. Dataflow's workers write the query's batches into the location, and they reach"
          + " only gs://: use e.g. --checkpointLocation=gs://<bucket>/checkpoints/" + spec.name() + ".");
    }
    steps.tableInRunnerState(spec.trigger().runnerInterval(), BatchCommitter.forQuery(spec));
    return null;
  }

  @Override
  public Trigger updateTrigger(PipelineOptions options) {
    return Repeatedly.forever(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(Duration.millis(UPDATE_FIRING_MS)));
  }

  @Override
  public QueryExecution start(QuerySpec spec) throws IOException {
    return DataflowQueryExecution.start(spec);
  }

  @Override
  public List<LocationDescription.Line> describeState(CheckpointLocation location) throws IOException {
    SnapshotLog snapshots = new SnapshotLog(location.storage());
    List<String> lines = new ArrayList<>();
    for (long n : snapshots.batchIds()) {
      snapshots.get(n).ifPresent(s -> lines.add(s.snapshotId() + " of job " + s.jobId() + ", taken "
          + Instant.ofEpochMilli(s.createdAtMs()) + ", kept " + s.ttlDays() + " day(s)"));
    }
    return lines.isEmpty() ? List.of()
        : List.of(new LocationDescription.Line("Dataflow snapshots", lines.size() + " taken by stops, newest last:", lines));
  }

  /** From the location alone (describe makes no Dataflow call): what the next start will try. */
  @Override
  public Optional<String> resumeNote(CheckpointLocation location, RecoveryPlan plan) throws IOException {
    Optional<RunInfo> run = location.runs().latest();
    if (run.isEmpty() || !"DataflowRunner".equals(run.get().runner())) {
      return Optional.empty();
    }
    Optional<SnapshotLog.Recorded> snapshot = new SnapshotLog(location.storage()).latest()
        .filter(s -> s.jobId().equals(run.get().runnerJobId()));
    return Optional.of("on Dataflow the next run replaces job " + run.get().runnerJobId() + " if it still runs (--update)"
        + snapshot.map(s -> ", else starts from snapshot " + s.snapshotId() + " (--createFromSnapshot)")
            .orElse(", else it refuses: no stop of that job recorded a snapshot"));
  }
}
