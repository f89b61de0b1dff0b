package dev.beamckpt.checkpoint.source;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How far each source's receive log is durable in the runner's own checkpoints, as this JVM
 * learned it from {@code CheckpointMark.finalizeCheckpoint()} (Flink calls it once a checkpoint
 * holding the mark completes). The committer of a batch reads it to record {@code offsets/}.
 */
public final class FinalizedOffsets {
  private static final Map<String, Long> OFFSETS = new ConcurrentHashMap<>();

  private FinalizedOffsets() {}

  /** The key of a source's receive log in a location: also its receiver's key in a JVM. */
  public static String key(String locationUri, String sourceId) {
    return "log:" + locationUri + "/sources/" + sourceId;
  }

  public static void record(String key, long offset) {
    OFFSETS.merge(key, offset, Math::max);
  }

  public static OptionalLong get(String key) {
    Long offset = OFFSETS.get(key);
    return offset == null ? OptionalLong.empty() : OptionalLong.of(offset);
  }
}
