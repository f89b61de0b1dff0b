package dev.beamckpt.checkpoint.execution;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.fingerprint.PipelineFingerprint;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import java.io.IOException;
import java.time.Instant;
import org.apache.beam.sdk.Pipeline;

/**
 * Everything an adapter needs to run a query: the pipeline (with its sink applied), how to name
 * it, where to checkpoint (null: nowhere), when to trigger, and the sink to deliver batches to
 * (null when the pipeline delivers them itself, see {@code CheckpointAdapter#applyResultSteps}).
 */
public record QuerySpec(
    Pipeline pipeline, String name, String checkpointLocation, int minBatchesToRetain, Trigger trigger, BatchSink sink) {

  /** This query delivering its batches to {@code batchSink}. */
  public QuerySpec withSink(BatchSink batchSink) {
    return new QuerySpec(pipeline, name, checkpointLocation, minBatchesToRetain, trigger, batchSink);
  }

  /**
   * Takes the location's lease for this query and checks its fingerprint, before anything runs;
   * null when the query has no location.
   */
  public CheckpointLocation openLocation() throws IOException {
    if (checkpointLocation == null) {
      return null;
    }
    return CheckpointLocation.openForQuery(checkpointLocation, pipeline.getOptions(), name, PipelineFingerprint.of(pipeline),
        "query '" + name + "', process " + LocalStorage.processDescription() + ", since " + Instant.now());
  }
}
