package dev.beamckpt.checkpoint.source;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.source.log.FileReceiveLog;
import dev.beamckpt.checkpoint.source.log.MemoryReceiveLog;
import dev.beamckpt.checkpoint.source.log.ReceiveLog;
import dev.beamckpt.checkpoint.source.log.RequiredEnd;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.Storages;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;

/**
 * A Beam {@link UnboundedSource} of records made replayable by a receive log: everything but how
 * the records are received. With a checkpoint location the log lives in {@code sources/<id>/},
 * checked against the location's batches before anything is read; without one, in memory. Readers
 * are {@link GatedLogReader}s; marks are log offsets. A new source (a queue, a message bus)
 * extends this with its {@link Receiver} and names; it does not split, since one receiver per
 * JVM keeps one ordered log.
 */
public abstract class LoggedUnboundedSource extends UnboundedSource<List<TimestampedValue<String>>, LogCheckpointMark>
    implements LoggedSource {
  private static final Coder<List<TimestampedValue<String>>> CHUNK =
      ListCoder.of(TimestampedValue.TimestampedValueCoder.of(StringUtf8Coder.of()));

  /**
   * The lines of a read of this source ({@code Read.from(source)}), each at its ingestion time.
   * The read keeps its own step name, so a runner's state for it (Flink's operator ids) stays.
   */
  public static PCollection<String> lines(PCollection<List<TimestampedValue<String>>> chunks) {
    return chunks.apply("Lines", ParDo.of(new LinesFn())).setCoder(StringUtf8Coder.of());
  }

  /** Each line of a chunk at the time it was ingested. */
  static final class LinesFn extends DoFn<List<TimestampedValue<String>>, String> {
    @ProcessElement
    public void process(@Element List<TimestampedValue<String>> chunk, OutputReceiver<String> out) {
      for (TimestampedValue<String> line : chunk) {
        out.outputWithTimestamp(line.getValue(), line.getTimestamp());
      }
    }
  }

  /**
   * The receiver that feeds the context's log; it hands its records to a {@link LogChannel} it
   * builds over that log with the context's retention and finalized-offset location.
   */
  protected abstract Receiver newReceiver(ReceiverContext context);

  /** How far behind the newest ingestion time the watermark stays. */
  protected abstract long watermarkDelayMs();

  @Override
  public final List<LoggedUnboundedSource> split(int desiredNumSplits, PipelineOptions options) {
    return List.of(this);
  }

  @Override
  public final UnboundedReader<List<TimestampedValue<String>>> createReader(PipelineOptions options, LogCheckpointMark mark) throws IOException {
    String key = receiverKey(options);
    SourceChannel channel = Receivers.acquire(key, () -> openReceiver(options), false);
    ReceiveLog log = Receivers.lookup(key).orElseThrow().channel().log();
    Map<String, Long> resume = options.as(CheckpointOptions.class).getResumeOffsets();
    long start = mark != null ? mark.offset()
        : Math.max(log.startOffset(), resume == null ? 0 : resume.getOrDefault(sourceId(), 0L));
    return new GatedLogReader(this, key, channel, log, start, watermarkDelayMs());
  }

  @Override
  public final SourceChannel open(PipelineOptions options) throws IOException {
    return Receivers.acquire(receiverKey(options), () -> openReceiver(options), true);
  }

  private static String location(PipelineOptions options) {
    return options.as(CheckpointOptions.class).getCheckpointLocation();
  }

  /**
   * One receiver per log: the log's place in the location, or the source itself without one.
   * Worked out once per source instance: a runner creates readers again at every checkpoint, and
   * resolving the location's storage is a ServiceLoader scan.
   */
  private String receiverKey(PipelineOptions options) {
    if (receiverKey == null) {
      String location = location(options);
      receiverKey = location != null
          ? "log:" + Storages.forLocation(location, options).nameOf(CheckpointLocation.sourcePath(sourceId()))
          : "memory:" + description();
    }
    return receiverKey;
  }

  /** The options of one pipeline run give one key; not serialized, so a deserialized copy works it out again. */
  private transient volatile String receiverKey;

  /** Opens this source's log where the options put it and builds the receiver that fills it. */
  private Receiver openReceiver(PipelineOptions options) throws IOException {
    String location = location(options);
    if (location == null) {
      return newReceiver(new ReceiverContext(new MemoryReceiveLog(), LogRetention.finalizedOnly(), null, null, options));
    }
    CheckpointStorage storage = Storages.forLocation(location, options);
    CheckpointOptions checkpoint = options.as(CheckpointOptions.class);
    // Checked against the location's batches: a damaged or missing log is refused, never repaired by dropping records.
    ReceiveLog log = FileReceiveLog.open(storage, CheckpointLocation.sourcePath(sourceId()),
        checkpoint.getReceiveLogSegmentBytes(), RequiredEnd.of(storage, sourceId()))
        .syncEvery(checkpoint.getReceiveLogSyncMillis());
    Receiver receiver = newReceiver(new ReceiverContext(log, LogRetentions.forOptions(options, storage, sourceId()),
        checkpoint.getRecordFinalizedOffsets() ? storage : null, storage, options));
    // A receiver left in this JVM (its task cancelled by a failover) yields to the restored one elsewhere.
    log.onTakenOver(() -> Receivers.stopTakenOver(receiverKey(options), receiver));
    return receiver;
  }

  @Override
  public final Coder<LogCheckpointMark> getCheckpointMarkCoder() {
    return SerializableCoder.of(LogCheckpointMark.class);
  }

  @Override
  public final Coder<List<TimestampedValue<String>>> getOutputCoder() {
    return CHUNK;
  }
}
