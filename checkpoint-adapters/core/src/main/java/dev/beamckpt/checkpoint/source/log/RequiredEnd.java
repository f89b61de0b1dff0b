package dev.beamckpt.checkpoint.source.log;

import dev.beamckpt.checkpoint.log.OffsetLog;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;

/**
 * How far a receive log must reach, as the checkpoint location records it: a batch file
 * ({@code namedBy}, e.g. "offsets/12 of /tmp/ckpt") says a batch read the log up to {@code offset}.
 * Every record below it was counted or is about to be, so it can never be dropped as a torn tail.
 */
public record RequiredEnd(long offset, String namedBy) {
  public static final RequiredEnd NONE = new RequiredEnd(0, null);

  /** What the newest readable {@code offsets/N} of a location says about source {@code sourceId}'s log. */
  public static RequiredEnd of(CheckpointStorage storage, String sourceId) throws IOException {
    OffsetLog offsets = new OffsetLog(storage);
    return offsets.latestReadable()
        .map(b -> new RequiredEnd(b.getValue().endOffset(sourceId), offsets.pathOf(b.getKey()) + " of " + storage.uri()))
        .orElse(NONE);
  }
}
