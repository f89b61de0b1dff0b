package dev.beamckpt.checkpoint.source;

import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.checkpoint.source.log.ReceiveLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;

/**
 * Reads a source's receive log from a checkpoint mark (or the log's start) and emits what the
 * {@link BatchGate} lets through: the reader of every {@link LoggedSource}, whatever fills its log
 * (a socket, a queue). Element timestamps are the ingestion times the log recorded, so a replay
 * sees the same ones; under a driver the watermark is the gate's, else the log's own. Its mark is
 * its position in the log.
 *
 * <p>It emits the records available as chunks of up to {@link #MAX_CHUNK}, each line with its own
 * ingestion time, which {@link LoggedUnboundedSource#lines()} turns back into lines: a runner
 * that bounds a source's bundles by element count (the DirectRunner reads ten per bundle, and pays
 * for each bundle in every step and every key) then carries thousands of lines per bundle.
 */
public final class GatedLogReader extends UnboundedSource.UnboundedReader<List<TimestampedValue<String>>> {
  static final int MAX_CHUNK = 1_000;
  /**
   * Lines after which the reader reports no input once, whatever the log holds: a runner that
   * reads on until the source pauses or a large count is reached (Beam's Flink runner: 10,000
   * elements or 10 s per call) then returns to its task between pauses, where checkpoint barriers
   * wait; at 10,000 chunks a call would hold the task for seconds.
   */
  static final int PAUSE_LINES = 10 * MAX_CHUNK;

  private final UnboundedSource<List<TimestampedValue<String>>, ?> source;
  private final String receiverKey;
  private final SourceChannel channel;
  private final ReceiveLog log;
  private final BatchGate gate;
  private final long watermarkDelayMs;
  private ReceiveLog.Cursor cursor;
  private long position;
  private List<TimestampedValue<String>> current;
  private long currentTimestampMs;
  private long lastTimestampMs = Long.MIN_VALUE;
  private int linesSincePause;

  /**
   * @param receiverKey the source's receiver in {@link Receivers}, which finalized marks notify
   * @param channel this reader's handle on that receiver, closed with the reader
   * @param startOffset the mark's offset, else where the driver resumes (the log's start when it replays it all)
   */
  GatedLogReader(UnboundedSource<List<TimestampedValue<String>>, ?> source, String receiverKey, SourceChannel channel, ReceiveLog log,
      long startOffset, long watermarkDelayMs) {
    this.source = source;
    this.receiverKey = receiverKey;
    this.channel = channel;
    this.log = log;
    this.gate = channel.gate();
    this.watermarkDelayMs = watermarkDelayMs;
    this.position = startOffset;
  }

  /**
   * The offset of the next record this reader emits: what its checkpoint mark records. The log
   * is durable up to there first (on an object store, sealed), or a restore could not replay it.
   */
  @Override
  public LogCheckpointMark getCheckpointMark() {
    try {
      log.makeDurableThrough(position);
    } catch (IOException e) {
      throw new UncheckedIOException("The receive log cannot be made durable up to the checkpoint's offset " + position
          + ": " + e.getMessage(), e);
    }
    return new LogCheckpointMark(position, receiverKey);
  }

  @Override
  public UnboundedSource<List<TimestampedValue<String>>, ?> getCurrentSource() {
    return source;
  }

  @Override
  public boolean start() throws IOException {
    cursor = log.cursor(position);
    return advance();
  }

  /** The next chunk: the records the gate lets through and the log holds now, at most {@link #MAX_CHUNK}. */
  @Override
  public boolean advance() throws IOException {
    channel.checkOpen();
    gate.bundleStarted();
    if (linesSincePause >= PAUSE_LINES) {
      linesSincePause = 0;
      return false;
    }
    List<TimestampedValue<String>> chunk = new ArrayList<>();
    long earliest = Long.MAX_VALUE;
    while (chunk.size() < MAX_CHUNK && position < gate.limit()) {
      LogRecord next = cursor.next();
      if (next == null) {
        break;
      }
      chunk.add(TimestampedValue.of(next.line(), new Instant(next.timestampMs())));
      position = next.offset() + 1;
      earliest = Math.min(earliest, next.timestampMs());
      lastTimestampMs = Math.max(lastTimestampMs, next.timestampMs());
    }
    if (chunk.isEmpty()) {
      return false;
    }
    linesSincePause += chunk.size();
    current = chunk;
    // The earliest line's time: every line of the chunk is then at or after it, as a ParDo's output must be.
    currentTimestampMs = earliest;
    return true;
  }

  @Override
  public List<TimestampedValue<String>> getCurrent() {
    if (current == null) {
      throw new NoSuchElementException();
    }
    return current;
  }

  @Override
  public Instant getCurrentTimestamp() {
    if (current == null) {
      throw new NoSuchElementException();
    }
    return new Instant(currentTimestampMs);
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
