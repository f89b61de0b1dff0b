package dev.beamckpt.checkpoint.adapter.flink;

import dev.beamckpt.checkpoint.source.LogRetention;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a receive log back to the oldest Flink restore point in the location. A mark finalized
 * at time t belongs to a checkpoint that completed by t; a restore point that completed after t
 * was taken later, so its reader stood at or past that mark. The log may therefore go below the
 * newest offset finalized before the oldest restore point completed (less a second of margin).
 * The history of finalized offsets lives in this JVM: after a restart, trimming resumes once new
 * finalizations are older than the oldest restore point.
 */
public final class RestorePointRetention implements LogRetention {
  private static final Logger LOG = LoggerFactory.getLogger(RestorePointRetention.class);
  private static final long RESCAN_MS = 2_000;
  private static final long MARGIN_MS = 1_000;

  private final String stateUri;
  /** (finalized at ms, offset), both increasing. */
  private final Deque<long[]> finalized = new ArrayDeque<>();
  /** 0: never (Long.MIN_VALUE would overflow the subtraction below into "scanned just now"). */
  private long scannedAtMs;
  private long oldestRestorePointMs = Long.MIN_VALUE;

  public RestorePointRetention(String stateUri) {
    this.stateUri = stateUri;
  }

  @Override
  public synchronized OptionalLong trimBelow(long finalizedOffset) {
    long now = System.currentTimeMillis();
    if (finalized.isEmpty() || finalized.peekLast()[1] < finalizedOffset) {
      finalized.addLast(new long[] {now, finalizedOffset});
    }
    if (now - scannedAtMs >= RESCAN_MS) {
      scannedAtMs = now;
      try {
        List<FlinkRestorePoint> points = FlinkRestorePoint.all(stateUri);
        oldestRestorePointMs = points.stream().mapToLong(FlinkRestorePoint::completedAtMs).min().orElse(Long.MIN_VALUE);
      } catch (IOException e) {
        LOG.warn("Listing Flink restore points in {} (the receive log is not trimmed meanwhile): {}", stateUri, e.getMessage());
        oldestRestorePointMs = Long.MIN_VALUE;
      }
    }
    if (oldestRestorePointMs == Long.MIN_VALUE) {
      return OptionalLong.empty(); // no restore point known: every finalized offset may still be needed
    }
    long before = oldestRestorePointMs - MARGIN_MS;
    long floor = -1;
    while (!finalized.isEmpty() && finalized.peekFirst()[0] < before) {
      long[] entry = finalized.pollFirst();
      floor = entry[1];
      if (finalized.isEmpty() || finalized.peekFirst()[0] >= before) {
        finalized.addFirst(entry); // still the floor until a later finalization ages past it
        break;
      }
    }
    return floor > 0 ? OptionalLong.of(floor) : OptionalLong.empty();
  }
}
