package dev.beamckpt.checkpoint.combine;

import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/**
 * Combines a bundle's inputs per key and window and emits one accumulator for each when the
 * bundle finishes. A runner finishes bundles before a checkpoint and holds the watermark while one
 * is open, so the partials are neither lost nor late. Past {@link #MAX_KEYS} keys in a bundle, a
 * new key's element passes through as its own accumulator, bounding memory.
 */
final class PartialCombineFn<K, InputT, AccumT> extends DoFn<KV<K, InputT>, KV<K, AccumT>> {
  static final int MAX_KEYS = 100_000;

  private final Combine.CombineFn<InputT, AccumT, ?> fn;
  private final Coder<K> keyCoder;
  /** The timestamp combiner keeps the latest timestamp, not the earliest. */
  private final boolean latest;
  /** A bundle's partials by window, then by the key's structural value (so equal encodings meet). */
  private transient Map<BoundedWindow, Map<Object, KeyAccumulator<K, AccumT>>> partials;
  private transient int keys;
  /** The window of the previous element and its partials: most bundles hold one window. */
  private transient BoundedWindow lastWindow;
  private transient Map<Object, KeyAccumulator<K, AccumT>> lastPartials;

  PartialCombineFn(Combine.CombineFn<InputT, AccumT, ?> fn, Coder<K> keyCoder, boolean latest) {
    this.fn = fn;
    this.keyCoder = keyCoder;
    this.latest = latest;
  }

  @StartBundle
  public void startBundle() {
    if (partials == null) {
      partials = new HashMap<>();
    }
  }

  @ProcessElement
  public void process(@Element KV<K, InputT> element, @Timestamp Instant timestamp, BoundedWindow window,
      OutputReceiver<KV<K, AccumT>> out) {
    if (!window.equals(lastWindow)) {
      lastWindow = window;
      lastPartials = partials.computeIfAbsent(window, w -> new HashMap<>());
    }
    Object key = keyCoder.structuralValue(element.getKey());
    KeyAccumulator<K, AccumT> partial = lastPartials.get(key);
    if (partial == null) {
      if (keys >= MAX_KEYS) {
        out.output(KV.of(element.getKey(), fn.addInput(fn.createAccumulator(), element.getValue())));
        return;
      }
      partial = new KeyAccumulator<>(element.getKey(), fn.createAccumulator(), timestamp);
      lastPartials.put(key, partial);
      keys++;
    } else {
      partial.observe(timestamp, latest);
    }
    partial.accumulator = fn.addInput(partial.accumulator, element.getValue());
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    for (Map.Entry<BoundedWindow, Map<Object, KeyAccumulator<K, AccumT>>> window : partials.entrySet()) {
      for (KeyAccumulator<K, AccumT> p : window.getValue().values()) {
        context.output(KV.of(p.key, fn.compact(p.accumulator)), p.timestamp, window.getKey());
      }
    }
    // The last window's map stays, emptied, for the next bundle: it is sized for a bundle's keys.
    partials.clear();
    keys = 0;
    if (lastPartials != null) {
      lastPartials.clear();
      partials.put(lastWindow, lastPartials);
    }
  }
}
