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

  @Description("Flink: in complete and update mode, a key's aggregate reaches the result table this long after"
      + " its first change (in milliseconds), with every change made meanwhile, instead of once per element. A"
      + " batch shows what reached the table when it is cut, so rows are at most this much older than the batch;"
      + " 0 sends every change, which costs a row per partial count.")
  @Default.Long(200)
  long getUpdateFiringMillis();

  void setUpdateFiringMillis(long value);

  @Description("Flink: combine each bundle's inputs per key before the shuffle (combiner lifting) for every"
      + " Combine.perKey with a plain CombineFn over non-merging windows. Changes the job graph: a location"
      + " whose Flink state was written with the other setting is not expected to restore (untested): keep one setting.")
  @Default.Boolean(true)
  boolean getLiftCombiners();

  void setLiftCombiners(boolean value);
}
