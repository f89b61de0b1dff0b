package dev.beamckpt.checkpoint.combine;

import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
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
  private transient ChangedKeys<K, AccumT, OutputT> changed;

  @StateId("running")
  private final StateSpec<ValueState<AccumT>> runningSpec;

  /**
   * Set by releases that fired per key on a timer; declared so a location they wrote restores, and
   * a restored timer fires the key's row once.
   */
  @TimerId("fire")
  private final TimerSpec fireSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

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
    changed = new ChangedKeys<>(fn, keyCoder, latest);
  }

  @ProcessElement
  public void process(@Element KV<K, AccumT> partial, @Timestamp Instant timestamp,
      @StateId("running") ValueState<AccumT> running, OutputReceiver<KV<K, OutputT>> out) {
    AccumT now = changed.merge(running.read(), partial.getValue());
    running.write(now);
    if (everyInput) {
      out.output(KV.of(partial.getKey(), fn.extractOutput(now)));
      return;
    }
    changed.record(partial.getKey(), now, timestamp);
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    changed.emit(context);
  }

  @OnTimer("fire")
  public void onFire(@Key K key, @StateId("running") ValueState<AccumT> running, OutputReceiver<KV<K, OutputT>> out) {
    AccumT now = running.read();
    if (now != null) {
      out.output(KV.of(key, fn.extractOutput(now)));
    }
  }
}
