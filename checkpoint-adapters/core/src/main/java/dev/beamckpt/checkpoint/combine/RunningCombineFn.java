package dev.beamckpt.checkpoint.combine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * A key's running aggregate over the whole stream with accumulating panes, in one state cell per
 * key instead of the trigger machinery of a grouping. With a firing delay, each key changed in a
 * bundle fires once when the bundle finishes: the runner finishes bundles at least every bundle
 * interval and before every checkpoint, so a row is never older than that interval or held
 * outside checkpointed state, and no timer per key is set, stored or fired. With no delay it fires
 * on every input, as {@code Repeatedly.forever(AfterPane.elementCountAtLeast(1))} does.
 */
final class RunningCombineFn<K, AccumT, OutputT> extends DoFn<KV<K, AccumT>, KV<K, OutputT>> {
  private final Combine.CombineFn<?, AccumT, OutputT> fn;
  private final Coder<K> keyCoder;
  private final boolean everyInput;
  /** The timestamp combiner keeps the latest timestamp, not the earliest. */
  private final boolean latest;
  /** The keys changed in this bundle, by structural value, with their newest accumulator. */
  private transient Map<Object, Changed<K, AccumT>> changed;

  @StateId("running")
  private final StateSpec<ValueState<AccumT>> runningSpec;

  /**
   * Set by releases that fired per key on a timer; declared so a location they wrote restores, and
   * a restored timer fires the key's row once.
   */
  @TimerId("fire")
  private final TimerSpec fireSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  private static final class Changed<K, AccumT> {
    final K key;
    AccumT accumulator;
    Instant timestamp;

    Changed(K key, AccumT accumulator, Instant timestamp) {
      this.key = key;
      this.accumulator = accumulator;
      this.timestamp = timestamp;
    }
  }

  RunningCombineFn(Combine.CombineFn<?, AccumT, OutputT> fn, Coder<K> keyCoder, Coder<AccumT> accumulatorCoder,
      Duration delay, boolean latest) {
    this.fn = fn;
    this.keyCoder = keyCoder;
    this.everyInput = delay.getMillis() == 0;
    this.latest = latest;
    this.runningSpec = StateSpecs.value(accumulatorCoder);
  }

  @Setup
  public void setup() {
    changed = new HashMap<>();
  }

  @ProcessElement
  public void process(@Element KV<K, AccumT> partial, @Timestamp Instant timestamp,
      @StateId("running") ValueState<AccumT> running, OutputReceiver<KV<K, OutputT>> out) {
    AccumT before = running.read();
    AccumT now = before == null ? partial.getValue() : fn.mergeAccumulators(List.of(before, partial.getValue()));
    running.write(now);
    if (everyInput) {
      out.output(KV.of(partial.getKey(), fn.extractOutput(now)));
      return;
    }
    Changed<K, AccumT> c = changed.get(keyCoder.structuralValue(partial.getKey()));
    if (c == null) {
      changed.put(keyCoder.structuralValue(partial.getKey()), new Changed<>(partial.getKey(), now, timestamp));
    } else {
      c.accumulator = now;
      if (latest ? timestamp.isAfter(c.timestamp) : timestamp.isBefore(c.timestamp)) {
        c.timestamp = timestamp;
      }
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    for (Changed<K, AccumT> c : changed.values()) {
      context.output(KV.of(c.key, fn.extractOutput(c.accumulator)), c.timestamp, GlobalWindow.INSTANCE);
    }
    changed.clear();
  }

  @OnTimer("fire")
  public void onFire(@Key K key, @StateId("running") ValueState<AccumT> running, OutputReceiver<KV<K, OutputT>> out) {
    AccumT now = running.read();
    if (now != null) {
      out.output(KV.of(key, fn.extractOutput(now)));
    }
  }
}
