package dev.beamckpt.checkpoint;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Hidden;
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

  @Description("Flink: keep the whole receive log instead of trimming it below the oldest retained checkpoint."
      + " Keeps the location movable to the DirectRunner, which rebuilds state from the whole log.")
  @Default.Boolean(false)
  boolean getKeepReceiveLog();

  void setKeepReceiveLog(boolean value);

  @Hidden
  @Description("Set by the Flink adapter: sources trim their receive logs below the oldest Flink restore point.")
  @Default.Boolean(false)
  boolean getTrimReceiveLogToRestorePoints();

  void setTrimReceiveLogToRestorePoints(boolean value);

  @Description("Size at which a receive log rolls to a new segment file; trimming drops whole segments.")
  @Default.Long(64L << 20)
  long getReceiveLogSegmentBytes();

  void setReceiveLogSegmentBytes(long value);
}
