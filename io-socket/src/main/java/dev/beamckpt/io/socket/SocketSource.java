package dev.beamckpt.io.socket;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.source.LogRetention;
import dev.beamckpt.checkpoint.source.LogRetentions;
import dev.beamckpt.checkpoint.source.LoggedSource;
import dev.beamckpt.checkpoint.source.SourceChannel;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.Storages;
import dev.beamckpt.checkpoint.source.log.FileReceiveLog;
import dev.beamckpt.checkpoint.source.log.MemoryReceiveLog;
import dev.beamckpt.checkpoint.source.log.ReceiveLog;
import dev.beamckpt.checkpoint.source.log.RequiredEnd;
import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The UnboundedSource behind {@link SocketIO#read()}. It does not split: one connection is one
 * ordered stream. With a checkpoint location its log lives in {@code sources/<id>/}; without, in
 * memory.
 */
final class SocketSource extends UnboundedSource<String, SocketCheckpointMark> implements LoggedSource {
  private final SocketConfig config;

  SocketSource(SocketConfig config) {
    this.config = config;
  }

  SocketConfig config() {
    return config;
  }

  @Override
  public List<SocketSource> split(int desiredNumSplits, PipelineOptions options) {
    return List.of(this);
  }

  @Override
  public UnboundedReader<String> createReader(PipelineOptions options, SocketCheckpointMark mark) throws IOException {
    String key = receiverKey(options);
    SourceChannel channel = Receivers.acquire(key, () -> newReceiver(options), false);
    LineReceiver receiver = Receivers.lookup(key).orElseThrow();
    return new SocketReader(this, channel, receiver, key, mark);
  }

  @Override
  public SourceChannel open(PipelineOptions options) throws IOException {
    return Receivers.acquire(receiverKey(options), () -> newReceiver(options), true);
  }

  private static String location(PipelineOptions options) {
    return options.as(CheckpointOptions.class).getCheckpointLocation();
  }

  private String receiverKey(PipelineOptions options) {
    String location = location(options);
    return location != null
        ? "log:" + Storages.forLocation(location).nameOf(CheckpointLocation.sourcePath(config.sourceId()))
        : "memory:" + config.address() + "/" + config.sourceId();
  }

  private LineReceiver newReceiver(PipelineOptions options) throws IOException {
    String location = location(options);
    if (location == null) {
      return new LineReceiver(config, new MemoryReceiveLog(), LogRetention.finalizedOnly());
    }
    CheckpointStorage storage = Storages.forLocation(location);
    CheckpointOptions checkpoint = options.as(CheckpointOptions.class);
    // Checked against the location's batches: a damaged or missing log is refused, never repaired by dropping records.
    ReceiveLog log = FileReceiveLog.open(storage, CheckpointLocation.sourcePath(config.sourceId()),
        checkpoint.getReceiveLogSegmentBytes(), RequiredEnd.of(storage, config.sourceId()));
    LogRetention retention = LogRetentions.forOptions(options, storage);
    return new LineReceiver(config, log, retention, checkpoint.getRecordFinalizedOffsets() ? storage : null);
  }

  @Override
  public Coder<SocketCheckpointMark> getCheckpointMarkCoder() {
    return SerializableCoder.of(SocketCheckpointMark.class);
  }

  @Override
  public Coder<String> getOutputCoder() {
    return StringUtf8Coder.of();
  }

  @Override
  public String sourceId() {
    return config.sourceId();
  }

  @Override
  public String description() {
    return "socket " + config.address() + " (source " + config.sourceId() + ")";
  }

  @Override
  public String fingerprintName() {
    return "SocketIO(id " + config.sourceId() + ")";
  }
}
