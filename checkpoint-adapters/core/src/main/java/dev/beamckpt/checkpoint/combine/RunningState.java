package dev.beamckpt.checkpoint.combine;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * What the running aggregates of a pipeline keep in the location's state store ({@code
 * dev.beamckpt.checkpoint.state}) when lifted into one key: whether each writes what its bundles
 * change, and the rows each starts from (encoded key and accumulator, by operator number: the
 * order of the running aggregates in the pipeline).
 */
public record RunningState(boolean capture, Map<Integer, Map<ByteBuffer, byte[]>> restored) {
  /** Nothing written, nothing restored: a query without a location, or one whose state is rebuilt by replay. */
  public static RunningState none() {
    return new RunningState(false, Map.of());
  }
}
