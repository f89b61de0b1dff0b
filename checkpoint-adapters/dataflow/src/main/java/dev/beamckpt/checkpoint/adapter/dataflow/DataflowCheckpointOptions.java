package dev.beamckpt.checkpoint.adapter.dataflow;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** How a query on Dataflow stops, and how long it keeps what it stops with. */
public interface DataflowCheckpointOptions extends PipelineOptions {

  @Description("How a stop (Ctrl+C, stop()) ends the Dataflow job after snapshotting it: drain (finish what was"
      + " read, fire open windows; the default) or cancel (at once).")
  @Default.String("drain")
  String getStopMode();

  void setStopMode(String value);

  @Description("How many days Dataflow keeps the snapshot a stop takes (a restart from it must come within them).")
  @Default.Integer(7)
  int getSnapshotTtlDays();

  void setSnapshotTtlDays(int value);

  @Description("How many minutes a stop waits for the snapshot and then for the drained or cancelled job to end.")
  @Default.Integer(15)
  int getStopWaitMinutes();

  void setStopWaitMinutes(int value);
}
