package dev.beamckpt.checkpoint.source.log;

import java.util.ArrayList;
import java.util.List;

/**
 * A receive log in memory, for queries without a checkpoint location (like Spark's socket
 * source): records are dropped once a checkpoint past them is finalized.
 */
public final class MemoryReceiveLog implements ReceiveLog {
  private final List<LogRecord> records = new ArrayList<>();
  private long start;
  private long maxTimestampMs = Long.MIN_VALUE;

  @Override
  public synchronized long startOffset() {
    return start;
  }

  @Override
  public synchronized long endOffset() {
    return start + records.size();
  }

  @Override
  public synchronized long maxTimestampMs() {
    return maxTimestampMs;
  }

  @Override
  public synchronized void append(List<String> lines, long timestampMs) {
    for (String line : lines) {
      records.add(new LogRecord(start + records.size(), timestampMs, line));
    }
    maxTimestampMs = Math.max(maxTimestampMs, timestampMs);
  }

  @Override
  public void sync() {}

  @Override
  public Cursor cursor(long fromOffset) {
    return new Cursor() {
      long next = fromOffset;

      @Override
      public LogRecord next() {
        synchronized (MemoryReceiveLog.this) {
          if (next < start) {
            throw new IllegalStateException("Records before offset " + start + " were already dropped");
          }
          if (next >= start + records.size()) {
            return null;
          }
          return records.get((int) (next++ - start));
        }
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public synchronized void trimBefore(long offset) {
    int n = (int) Math.min(records.size(), Math.max(0, offset - start));
    records.subList(0, n).clear();
    start += n;
  }

  @Override
  public void close() {}
}
