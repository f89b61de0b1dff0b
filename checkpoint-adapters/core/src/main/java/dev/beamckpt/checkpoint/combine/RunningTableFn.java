package dev.beamckpt.checkpoint.combine;

import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/**
 * Every key's running aggregate over the whole stream in one map under a single key, each key
 * changed in a bundle firing once when the bundle finishes. For runners that give every key of a
 * stateful step a bundle of its own and scan every key's timers (the DirectRunner): one key makes
 * one bundle of a batch's partials, however many keys they hold. Needs a key coder consistent with
 * equals, as the map compares keys by equals.
 */
final class RunningTableFn<K, AccumT, OutputT> extends DoFn<KV<Integer, KV<K, AccumT>>, KV<K, OutputT>> {
  private final Combine.CombineFn<?, AccumT, OutputT> fn;
  private final Coder<K> keyCoder;
  private final boolean latest;
  private transient ChangedKeys<K, AccumT, OutputT> changed;

  @StateId("running")
  private final StateSpec<MapState<K, AccumT>> runningSpec;

  RunningTableFn(Combine.CombineFn<?, AccumT, OutputT> fn, Coder<K> keyCoder, Coder<AccumT> accumulatorCoder, boolean latest) {
    this.fn = fn;
    this.keyCoder = keyCoder;
    this.latest = latest;
    this.runningSpec = StateSpecs.map(keyCoder, accumulatorCoder);
  }

  @Setup
  public void setup() {
    changed = new ChangedKeys<>(fn, keyCoder, latest);
  }

  @ProcessElement
  public void process(@Element KV<Integer, KV<K, AccumT>> element, @Timestamp Instant timestamp,
      @StateId("running") MapState<K, AccumT> running) {
    KV<K, AccumT> partial = element.getValue();
    AccumT now = changed.merge(running.get(partial.getKey()).read(), partial.getValue());
    running.put(partial.getKey(), now);
    changed.record(partial.getKey(), now, timestamp);
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    changed.emit(context);
  }
}
