package dev.beamckpt.checkpoint.source;

import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.checkpoint.source.log.ReceiveLog;
import java.io.IOException;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Instant;

/**
 * Reads a source's receive log from a checkpoint mark (or the log's start) and emits what the
 * {@link BatchGate} lets through: the reader of every {@link LoggedSource}, whatever fills its log
 * (a socket, a queue). Element timestamps are the ingestion times the log recorded, so a replay
 * sees the same ones; under a driver the watermark is the gate's, else the log's own. Its mark is
 * its position in the log.
 */
public final class GatedLogReader extends UnboundedSource.UnboundedReader<String> {
  private final UnboundedSource<String, ?> source;
  private final String receiverKey;
  private final SourceChannel channel;
  private final ReceiveLog log;
  private final BatchGate gate;
  private final long watermarkDelayMs;
  private ReceiveLog.Cursor cursor;
  private long position;
  private LogRecord current;
  private long lastTimestampMs = Long.MIN_VALUE;

  /**
   * @param receiverKey the source's receiver in {@link Receivers}, which finalized marks notify
   * @param channel this reader's handle on that receiver, closed with the reader
   * @param startOffset the mark's offset, or the log's start
   */
  GatedLogReader(UnboundedSource<String, ?> source, String receiverKey, SourceChannel channel, ReceiveLog log,
      long startOffset, long watermarkDelayMs) {
    this.source = source;
    this.receiverKey = receiverKey;
    this.channel = channel;
    this.log = log;
    this.gate = channel.gate();
    this.watermarkDelayMs = watermarkDelayMs;
    this.position = startOffset;
  }

  /** The offset of the next record this reader emits: what its checkpoint mark records. */
  @Override
  public LogCheckpointMark getCheckpointMark() {
    return new LogCheckpointMark(position, receiverKey);
  }

  @Override
  public UnboundedSource<String, ?> getCurrentSource() {
    return source;
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
    return lastTimestampMs == Long.MIN_VALUE ? Long.MIN_VALUE : lastTimestampMs - watermarkDelayMs;
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
