package dev.beamckpt.io.socket;

import dev.beamckpt.checkpoint.source.BatchGate;
import dev.beamckpt.checkpoint.source.SourceChannel;
import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.checkpoint.source.log.ReceiveLog;
import java.io.IOException;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Instant;

/**
 * Reads the receive log from a checkpoint mark (or the log's start) and emits what the gate lets
 * through. The socket itself is read by the shared {@link LineReceiver}, never here.
 */
final class SocketReader extends UnboundedSource.UnboundedReader<String> {
  private final SocketSource source;
  private final SourceChannel channel;
  private final ReceiveLog log;
  private final BatchGate gate;
  private final String receiverKey;
  private ReceiveLog.Cursor cursor;
  private long position;
  private LogRecord current;
  private long lastTimestampMs = Long.MIN_VALUE;

  SocketReader(SocketSource source, SourceChannel channel, LineReceiver receiver, String receiverKey, SocketCheckpointMark mark) {
    this.source = source;
    this.channel = channel;
    this.log = receiver.log();
    this.gate = receiver.gate();
    this.receiverKey = receiverKey;
    this.position = mark != null ? mark.offset() : log.startOffset();
  }

  @Override
  public boolean start() throws IOException {
    cursor = log.cursor(position);
    return advance();
  }

  @Override
  public boolean advance() throws IOException {
    gate.bundleStarted();
    if (position >= gate.limit()) {
      return false;
    }
    LogRecord next = cursor.next();
    if (next == null) {
      return false;
    }
    current = next;
    position = next.offset() + 1;
    lastTimestampMs = Math.max(lastTimestampMs, next.timestampMs());
    return true;
  }

  @Override
  public String getCurrent() {
    if (current == null) {
      throw new NoSuchElementException();
    }
    return current.line();
  }

  @Override
  public Instant getCurrentTimestamp() {
    if (current == null) {
      throw new NoSuchElementException();
    }
    return new Instant(current.timestampMs());
  }

  @Override
  public Instant getWatermark() {
    long wm = gate.watermarkAt(position, uncontrolledWatermark());
    gate.bundleEnded(position, wm);
    long clamped = Math.max(BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis(),
        Math.min(wm, BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis() - 1));
    return new Instant(clamped);
  }

  /** Without a driver: caught up with the log, the log's own watermark; else the last emitted time. */
  private long uncontrolledWatermark() {
    SourceChannel.Snapshot snap = channel.snapshot();
    if (position >= snap.endOffset()) {
      return snap.watermarkMs();
    }
    return lastTimestampMs == Long.MIN_VALUE ? Long.MIN_VALUE : lastTimestampMs - source.config().watermarkDelayMs();
  }

  @Override
  public UnboundedSource.CheckpointMark getCheckpointMark() {
    return new SocketCheckpointMark(position, receiverKey);
  }

  @Override
  public UnboundedSource<String, ?> getCurrentSource() {
    return source;
  }

  @Override
  public void close() throws IOException {
    try {
      if (cursor != null) {
        cursor.close();
      }
    } finally {
      channel.close();
    }
  }
}
