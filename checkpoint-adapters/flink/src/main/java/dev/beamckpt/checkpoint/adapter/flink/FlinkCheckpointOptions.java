package dev.beamckpt.checkpoint.adapter.flink;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** What a checkpoint location means on Flink, as Beam pipeline options. */
public interface FlinkCheckpointOptions extends PipelineOptions {

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
}
