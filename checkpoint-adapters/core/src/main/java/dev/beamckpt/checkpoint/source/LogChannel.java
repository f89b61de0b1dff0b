package dev.beamckpt.checkpoint.source;

import dev.beamckpt.checkpoint.source.log.ReceiveLog;
import dev.beamckpt.checkpoint.source.log.ReceiveLogTakenOverException;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A source's receive log as the runner sees it, whatever fills it (a socket, a queue): appends
 * that wait out a log that cannot be written, the batch gate, snapshots for the driver,
 * finalization and retention. A {@link Receiver} reads its input and hands the records here; the
 * rest of the source (its reader, its marks) is {@link GatedLogReader}'s.
 */
public final class LogChannel {
  private static final Logger LOG = LoggerFactory.getLogger(LogChannel.class);
  /** How often an append whose log cannot be written tries again. */
  private static final long STORAGE_RETRY_MS = 1000;

  private final String sourceId;
  private final String origin;
  private final ReceiveLog log;
  private final long watermarkDelayMs;
  private final LogRetention retention;
  private final CheckpointStorage finalizedTo;
  private final BatchGate gate = new BatchGate();
  /** The last finalized offset recorded in the location (finalizations come from the runner, one at a time). */
  private volatile long recordedFinalized = -1;
  private volatile String storageProblem;
  private volatile long lastRecordNanos = System.nanoTime();
  private long lastTimestampMs = Long.MIN_VALUE;

  /**
   * @param origin where the records come from, for messages ("localhost:9999")
   * @param watermarkDelayMs how far behind the newest ingestion time a batch's watermark stays
   * @param finalizedTo the location where finalized offsets are recorded, or null where no one reads them
   */
  public LogChannel(String sourceId, String origin, ReceiveLog log, long watermarkDelayMs, LogRetention retention,
      CheckpointStorage finalizedTo) {
    this.sourceId = sourceId;
    this.origin = origin;
    this.log = log;
    this.watermarkDelayMs = watermarkDelayMs;
    this.retention = retention;
    this.finalizedTo = finalizedTo;
  }

  public ReceiveLog log() {
    return log;
  }

  public BatchGate gate() {
    return gate;
  }

  /**
   * Appends received records, waiting while the log cannot be written (a full disk): the caller
   * reads nothing more meanwhile, so what its origin has not sent stays there, and the records
   * already read are kept until they are stored. Gives up only when {@code giveUp} says so (a stop
   * that waited long enough), and then says how many records are lost.
   *
   * @return false if the records were given up
   */
  public boolean append(List<String> records, BooleanSupplier giveUp) {
    while (true) {
      try {
        appendNow(records);
        if (storageProblem != null) {
          storageProblem = null;
          LOG.warn("Source {}: the receive log can be written again; reading {} again", sourceId, origin);
        }
        return true;
      } catch (ReceiveLogTakenOverException e) {
        LOG.warn("Source {}: {}; {} record(s) read from {} were not stored here (lost in flight, as in a crash)",
            sourceId, e.getMessage(), records.size(), origin);
        return false;
      } catch (IOException e) {
        if (storageProblem == null) {
          LOG.error("Source {}: {}. Stopped reading {} until the log can be written: what it has not sent stays with it,"
              + " and the {} record(s) already read are kept in memory. Free space, fix access, or bring the storage back"
              + " where the checkpoint location is; the query continues by itself.", sourceId, e.getMessage(), origin, records.size());
        }
        storageProblem = e.getMessage();
        if (giveUp.getAsBoolean()) {
          LOG.error("Source {}: stopped while the receive log could not be written; {} record(s) read from {} were not"
              + " stored and are lost", sourceId, records.size(), origin);
          return false;
        }
        try {
          Thread.sleep(STORAGE_RETRY_MS);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
  }

  /** Ingestion time is taken under the same lock as {@link #snapshot}, so no later record is older. */
  private synchronized void appendNow(List<String> records) throws IOException {
    long ts = Math.max(lastTimestampMs, System.currentTimeMillis());
    log.append(records, ts);
    lastTimestampMs = ts;
    lastRecordNanos = System.nanoTime();
  }

  /** Why the log cannot be written right now, or null while it can. */
  public String storageProblem() {
    return storageProblem;
  }

  public synchronized SourceChannel.Snapshot snapshot() {
    long now = Math.max(lastTimestampMs, System.currentTimeMillis());
    return new SourceChannel.Snapshot(log.endOffset(), now - watermarkDelayMs, log.maxTimestampMs());
  }

  /** Milliseconds since a record last arrived (or since the channel opened). */
  public long quietMillis() {
    return (System.nanoTime() - lastRecordNanos) / 1_000_000;
  }

  /**
   * The runner finalized a checkpoint mark at {@code offset}: record it in the location for whoever
   * commits batches, and trim the log as its retention allows.
   */
  public void finalized(long offset) {
    if (finalizedTo != null && offset > recordedFinalized) { // a checkpoint of an idle stream finalizes the same offset
      recordedFinalized = offset;
      try {
        FinalizedOffsets.record(finalizedTo, sourceId, offset);
      } catch (IOException e) {
        LOG.warn("Source {}: recording finalized offset {} in {}: {}", sourceId, offset, finalizedTo.uri(), e.getMessage());
      }
    }
    retention.trimBelow(offset).ifPresent(log::trimBefore);
  }

  /** Forces what was appended to stable storage and closes the log; called once the receiver stopped appending. */
  public synchronized void close() throws IOException {
    try {
      log.sync();
    } finally {
      log.close();
    }
  }
}
