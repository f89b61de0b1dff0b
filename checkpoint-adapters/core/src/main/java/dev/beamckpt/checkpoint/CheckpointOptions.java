package dev.beamckpt.checkpoint;

import dev.beamckpt.checkpoint.source.LogRetentions;
import java.util.Map;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Hidden;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The checkpoint location as Beam pipeline options, read by adapters and logged sources. Options of
 * one runner live in its adapter (Flink's in FlinkCheckpointOptions), registered with Beam by a
 * {@code PipelineOptionsRegistrar}.
 */
public interface CheckpointOptions extends PipelineOptions {

  @Description("Directory, file:// or gs://bucket/path URI where the query records its progress, receive logs"
      + " and state, like Spark's checkpointLocation. Restart with the same value to resume.")
  String getCheckpointLocation();

  void setCheckpointLocation(String value);

  @Description("How many recent batches' offsets and commits the location keeps (Spark's minBatchesToRetain).")
  @Default.Integer(100)
  int getMinBatchesToRetain();

  void setMinBatchesToRetain(int value);

  @Description("Keep the whole receive log instead of trimming it below what a restart can need (on Flink the"
      + " oldest retained checkpoint, on the DirectRunner the oldest retained state version). Keeps every line"
      + " the query received, e.g. to audit or to rebuild state in another pipeline.")
  @Default.Boolean(false)
  boolean getKeepReceiveLog();

  void setKeepReceiveLog(boolean value);

  @Hidden
  @Description("Set by the runner's adapter: how far back sources keep their receive logs, by the name of a"
      + " registered LogRetentionProvider (" + LogRetentions.KEEP_ALL + " keeps every record).")
  @Default.String(LogRetentions.KEEP_ALL)
  String getReceiveLogRetention();

  void setReceiveLogRetention(String value);

  @Hidden
  @Description("Set by the runner's adapter: where each source's reader starts when it has no checkpoint mark,"
      + " by source id: after the input a restored state version holds. Unset, at the start of the receive log.")
  Map<String, Long> getResumeOffsets();

  void setResumeOffsets(Map<String, Long> value);

  @Hidden
  @Description("Set by the runner's adapter when batches are committed from inside the job: sources record in the"
      + " location how far their receive logs are durable in the runner's checkpoints (sources/<id>/finalized).")
  @Default.Boolean(false)
  boolean getRecordFinalizedOffsets();

  void setRecordFinalizedOffsets(boolean value);

  @Description("Size at which a receive log rolls to a new segment file; trimming drops whole segments.")
  @Default.Long(64L << 20)
  long getReceiveLogSegmentBytes();

  void setReceiveLogSegmentBytes(long value);

  @Description("On an object store (gs://, s3://), how often the receive log's segment written so far is sealed"
      + " as an object at the latest while lines arrive: lines received in the last interval are at risk if the"
      + " process is killed. Batches, checkpoints and stops seal it too.")
  @Default.Long(1000)
  long getReceiveLogSyncMillis();

  void setReceiveLogSyncMillis(long value);

  @Description("On an object store (gs://), how long a query's lease on its location lasts unrenewed: a query"
      + " killed without stopping keeps its location this long before the next one takes over.")
  @Default.Integer(10)
  int getLocationLeaseSeconds();

  void setLocationLeaseSeconds(int value);

  /**
   * Refuses values no query can run with, naming the option and what to give; called before a query
   * opens its location, so a refused query writes nothing.
   */
  static void check(CheckpointOptions options) {
    if (options.getMinBatchesToRetain() < 1) {
      throw new IllegalArgumentException("--minBatchesToRetain=" + options.getMinBatchesToRetain() + ": a location keeps"
          + " at least the last batch, which a restart continues from. Give 1 or more (Spark's default is 100).");
    }
    if (options.getReceiveLogSyncMillis() < 0) {
      throw new IllegalArgumentException("--receiveLogSyncMillis=" + options.getReceiveLogSyncMillis() + " is negative:"
          + " give how often, in milliseconds, an object store's receive log is sealed (0: only at batches).");
    }
    if (options.getLocationLeaseSeconds() < 1) {
      throw new IllegalArgumentException("--locationLeaseSeconds=" + options.getLocationLeaseSeconds() + ": a lease"
          + " must last at least 1 second (it is renewed a few times within it). The default is 10.");
    }
    if (options.getReceiveLogSegmentBytes() < 1024) {
      throw new IllegalArgumentException("--receiveLogSegmentBytes=" + options.getReceiveLogSegmentBytes()
          + " is too small: give at least 1024 (the default is 64 MiB).");
    }
  }
}
