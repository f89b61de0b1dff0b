package dev.beamckpt.checkpoint;

import dev.beamckpt.checkpoint.log.CorruptCheckpointFileException;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a restart resumes from, read from offsets/ and commits/ (Spark's MicroBatchExecution
 * populateStartOffsets): the last committed batch, the retained committed batches to replay, and
 * a batch that was planned but not committed, which runs again with the same offsets.
 *
 * <p>An unreadable latest commit is treated as not written (the batch runs again, and the warning
 * says so), unless a later batch was planned, which proves it was written (commits are atomic, so
 * it was damaged since); an unreadable offsets file of an uncommitted batch is dropped (the batch is planned
 * again from the receive log). An unreadable offsets file of the last committed batch cannot be
 * worked around and is reported by path.
 */
public record RecoveryPlan(long lastCommitted, Map<Long, OffsetSeq> replay, Optional<Map.Entry<Long, OffsetSeq>> pending,
    List<String> warnings) {
  private static final Logger LOG = LoggerFactory.getLogger(RecoveryPlan.class);

  public static RecoveryPlan fresh() {
    return new RecoveryPlan(0, Map.of(), Optional.empty(), List.of());
  }

  public long nextBatchId() {
    return pending.map(p -> p.getKey() + 1).orElse(lastCommitted + 1);
  }

  public static RecoveryPlan read(CheckpointLocation location) throws IOException {
    return read(location, true);
  }

  /**
   * @param repair whether to delete unreadable files that recovery works around (a starting query
   *     does; {@code checkpoint describe} only reports them)
   */
  public static RecoveryPlan read(CheckpointLocation location, boolean repair) throws IOException {
    List<String> warnings = new ArrayList<>();
    TreeSet<Long> commitIds = location.commits().batchIds();
    long lastCommitted = 0;
    for (Long id : commitIds.descendingSet()) {
      try {
        location.commits().get(id);
        lastCommitted = id;
        break;
      } catch (CorruptCheckpointFileException e) {
        Long planned = location.offsets().batchIds().higher(id);
        if (id.equals(commitIds.last()) && planned != null) {
          throw new CorruptCheckpointFileException(location.uri(), e.path(), e.problem() + ". Batch " + id
              + " was committed (offsets/" + planned + " was planned after it), so running it again would write it twice."
              + " Restore the file from a backup, or start over with a new --checkpointLocation.", e);
        }
        if (id.equals(commitIds.last())) {
          warnings.add(e.getMessage() + " -- treating batch " + id + " as not committed: it will run again.");
          if (repair) {
            location.storage().delete(e.path());
          }
        } else {
          throw e;
        }
      }
    }

    Map<Long, OffsetSeq> replay = new LinkedHashMap<>();
    Optional<Map.Entry<Long, OffsetSeq>> pending = Optional.empty();
    for (Long id : location.offsets().batchIds()) {
      try {
        Optional<OffsetSeq> seq = location.offsets().get(id);
        if (seq.isEmpty()) {
          continue;
        }
        if (id <= lastCommitted) {
          replay.put(id, seq.get());
        } else if (pending.isEmpty() && id == lastCommitted + 1) {
          pending = Optional.of(Map.entry(id, seq.get()));
        } else {
          throw new IOException("Checkpoint " + location.uri() + " has offsets/" + id + " but batch " + (id - 1)
              + " was never committed; the offsets log has a gap. Remove offsets/" + id
              + " if it was copied in by hand, or start over with a new --checkpointLocation.");
        }
      } catch (CorruptCheckpointFileException e) {
        if (id > lastCommitted) {
          warnings.add(e.getMessage() + " -- batch " + id + " was not committed, so it is planned again from the receive log.");
          if (repair) {
            location.storage().delete(e.path());
          }
        } else if (id == lastCommitted) {
          throw new CorruptCheckpointFileException(location.uri(), e.path(), e.problem()
              + ". Batch " + id + " was committed, so where it ended cannot be recovered from anywhere else."
              + " Restore the file from a backup, or start over with a new --checkpointLocation.", e);
        } else {
          warnings.add(e.getMessage() + " -- an older committed batch; its records are replayed with the next one.");
        }
      }
    }
    if (lastCommitted > 0 && !replay.containsKey(lastCommitted)) {
      throw new IOException("Checkpoint " + location.uri() + " has commits/" + lastCommitted + " but no offsets/"
          + lastCommitted + ": it cannot tell where the committed input ends. Start over with a new --checkpointLocation.");
    }
    if (repair) {
      warnings.forEach(w -> LOG.warn("{}", w));
    }
    return new RecoveryPlan(lastCommitted, replay, pending, warnings);
  }
}
