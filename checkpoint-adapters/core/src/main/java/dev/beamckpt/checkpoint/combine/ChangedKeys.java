package dev.beamckpt.checkpoint.combine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/**
 * The keys a running aggregate changed in the current bundle, each with its newest accumulator and
 * the earliest (or, for {@code TimestampCombiner.LATEST}, the latest) timestamp of its inputs;
 * emitted as one row per key when the bundle finishes.
 */
final class ChangedKeys<K, AccumT, OutputT> {
  private final Combine.CombineFn<?, AccumT, OutputT> fn;
  private final Coder<K> keyCoder;
  private final boolean latest;
  /** By the key coder's structural value, so equal encodings meet. */
  private final Map<Object, KeyAccumulator<K, AccumT>> changed = new HashMap<>();

  ChangedKeys(Combine.CombineFn<?, AccumT, OutputT> fn, Coder<K> keyCoder, boolean latest) {
    this.fn = fn;
    this.keyCoder = keyCoder;
    this.latest = latest;
  }

  /** A key's running accumulator after one more partial ({@code running} null: the key's first). */
  AccumT merge(AccumT running, AccumT partial) {
    return running == null ? partial : fn.mergeAccumulators(List.of(running, partial));
  }

  void record(K key, AccumT accumulator, Instant timestamp) {
    Object structural = keyCoder.structuralValue(key);
    KeyAccumulator<K, AccumT> c = changed.get(structural);
    if (c == null) {
      changed.put(structural, new KeyAccumulator<>(key, accumulator, timestamp));
      return;
    }
    c.accumulator = accumulator;
    c.observe(timestamp, latest);
  }

  /** Each changed key with its newest accumulator, before {@link #emit} forgets them. */
  void forEach(BiConsumer<K, AccumT> action) {
    changed.values().forEach(c -> action.accept(c.key, c.accumulator));
  }

  boolean isEmpty() {
    return changed.isEmpty();
  }

  /** Each changed key's current output, in the global window; then forgets them. */
  void emit(DoFn<?, KV<K, OutputT>>.FinishBundleContext context) {
    for (KeyAccumulator<K, AccumT> c : changed.values()) {
      context.output(KV.of(c.key, fn.extractOutput(c.accumulator)), c.timestamp, GlobalWindow.INSTANCE);
    }
    changed.clear();
  }
}
