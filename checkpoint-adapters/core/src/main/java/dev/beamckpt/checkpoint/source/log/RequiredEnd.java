package dev.beamckpt.checkpoint.source.log;

import dev.beamckpt.checkpoint.log.CorruptCheckpointFileException;
import dev.beamckpt.checkpoint.log.OffsetLog;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.Optional;

/**
 * How far a receive log must reach, as the checkpoint location records it: a batch file
 * ({@code namedBy}, e.g. "offsets/12 of /tmp/ckpt") says a batch read the log up to {@code offset}.
 * Every record below it was counted or is about to be, so it can never be dropped as a torn tail.
 */
public record RequiredEnd(long offset, String namedBy) {
  public static final RequiredEnd NONE = new RequiredEnd(0, null);

  /**
   * What the newest readable {@code offsets/N} of a location says about source {@code sourceId}'s
   * log. Offsets only grow, so the newest readable one bounds them all; an unreadable newest file
   * belongs to a batch that never committed, and recovery plans it again.
   */
  public static RequiredEnd of(CheckpointStorage storage, String sourceId) throws IOException {
    OffsetLog offsets = new OffsetLog(storage);
    for (long batch : offsets.batchIds().descendingSet()) {
      Optional<OffsetSeq> seq;
      try {
        seq = offsets.get(batch);
      } catch (CorruptCheckpointFileException e) {
        continue;
      }
      if (seq.isPresent()) {
        return new RequiredEnd(seq.get().endOffset(sourceId), offsets.pathOf(batch) + " of " + storage.uri());
      }
    }
    return NONE;
  }
}
