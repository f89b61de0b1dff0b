package dev.beamckpt.checkpoint.source;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.log.VersionedFormat;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;

/**
 * How far a source's receive log is durable in the runner's own checkpoints, kept in the location
 * ({@code sources/<id>/finalized}): the source's reader records it when the runner finalizes a
 * checkpoint mark ({@code finalizeCheckpoint()}, which Flink calls once the checkpoint holding the
 * mark completed), and whoever commits a batch reads it, in whatever JVM each runs. Through the
 * location, not through memory, because the reading and the committing task may run in different
 * TaskManagers.
 */
public final class FinalizedOffsets {
  private FinalizedOffsets() {}

  /** The record: a version line, then {@code {"offset": n, "atMs": t}}. */
  public record Finalized(long offset, long atMs) {}

  static String path(String sourceId) {
    return CheckpointLocation.SOURCES + "/" + sourceId + "/finalized";
  }

  /** Records {@code offset} unless a later one is recorded already (a single reader writes it). */
  public static void record(CheckpointStorage storage, String sourceId, long offset) throws IOException {
    if (get(storage, sourceId).orElse(-1) < offset) {
      storage.replace(path(sourceId), VersionedFormat.write(List.of(new Finalized(offset, System.currentTimeMillis()))));
    }
  }

  public static OptionalLong get(CheckpointStorage storage, String sourceId) throws IOException {
    String path = path(sourceId);
    if (!storage.exists(path)) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(VersionedFormat.parse(VersionedFormat.read(storage.read(path)).get(0), Finalized.class).offset());
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty(); // written by replace, so never torn; unreadable means damaged: record anew
    }
  }
}
