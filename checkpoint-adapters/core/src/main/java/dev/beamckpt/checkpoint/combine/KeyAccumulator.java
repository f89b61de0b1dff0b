package dev.beamckpt.checkpoint.combine;

import org.joda.time.Instant;

/**
 * A key's accumulator within one bundle and the timestamp its output carries: the earliest of its
 * inputs, or the latest under {@code TimestampCombiner.LATEST}.
 */
final class KeyAccumulator<K, AccumT> {
  final K key;
  AccumT accumulator;
  Instant timestamp;

  KeyAccumulator(K key, AccumT accumulator, Instant timestamp) {
    this.key = key;
    this.accumulator = accumulator;
    this.timestamp = timestamp;
  }

  /** Takes in the timestamp of another input of this key. */
  void observe(Instant inputTimestamp, boolean latest) {
    if (latest ? inputTimestamp.isAfter(timestamp) : inputTimestamp.isBefore(timestamp)) {
      timestamp = inputTimestamp;
    }
  }
}
