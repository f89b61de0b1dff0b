package dev.beamckpt.sdk;

import dev.beamckpt.checkpoint.CheckpointOptions;
import org.apache.beam.sdk.options.Description;

/** Spark's query options as Beam pipeline options: {@code --trigger}, {@code --outputMode}, {@code --queryName}. */
public interface StreamingQueryOptions extends CheckpointOptions {

  @Description("When batches run: a processing-time interval (\"10 seconds\") or availableNow (process what is"
      + " available, then stop). Default: as soon as the previous batch finishes.")
  String getTrigger();

  void setTrigger(String value);

  @Description("complete, update or append (Spark's output modes).")
  String getOutputMode();

  void setOutputMode(String value);

  @Description("The query's name, shown in output, progress and the checkpoint metadata.")
  String getQueryName();

  void setQueryName(String value);

  @Description("Serve the monitoring page of this process's queries on this loopback port (0: a free one): rates,"
      + " batch durations, state, watermark, offsets and charts at /, recentProgress as JSON at /api/v1/queries,"
      + " Prometheus metrics at /metrics. Off unless given.")
  Integer getUiPort();

  void setUiPort(Integer value);
}
