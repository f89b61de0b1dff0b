package dev.beamckpt.checkpoint;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** The checkpoint location as Beam pipeline options, read by adapters and logged sources. */
public interface CheckpointOptions extends PipelineOptions {

  @Description("Directory (or file:// URI) where the query records its progress, receive logs and state,"
      + " like Spark's checkpointLocation. Restart with the same value to resume.")
  String getCheckpointLocation();

  void setCheckpointLocation(String value);

  @Description("How many recent batches' offsets and commits the location keeps (Spark's minBatchesToRetain).")
  @Default.Integer(100)
  int getMinBatchesToRetain();

  void setMinBatchesToRetain(int value);

  @Description("Flink: how many completed checkpoints state/ keeps (state.checkpoints.num-retained). A restart"
      + " resumes from the newest; older ones are there to fall back to by hand.")
  @Default.Integer(3)
  int getRetainedCheckpoints();

  void setRetainedCheckpoints(int value);
}
