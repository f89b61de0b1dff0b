package dev.beamckpt.checkpoint.combine;

import dev.beamckpt.checkpoint.state.StateChanges;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/**
 * Every key's running aggregate over the whole stream in one map under a single key, each key
 * changed in a bundle firing once when the bundle finishes. For runners that give every key of a
 * stateful step a bundle of its own and scan every key's timers (the DirectRunner): one key makes
 * one bundle of a batch's partials, however many keys they hold. Needs a key coder consistent with
 * equals, as the map compares keys by equals.
 *
 * <p>With a state operator number, each bundle's changed accumulators also go into the location's
 * state store ({@link StateChanges}), where the driver makes them the batch's version: a restart
 * then starts from the stored rows instead of replaying the whole receive log.
 */
final class RunningTableFn<K, AccumT, OutputT> extends DoFn<KV<Integer, KV<K, AccumT>>, KV<K, OutputT>> {
  private final Combine.CombineFn<?, AccumT, OutputT> fn;
  private final Coder<K> keyCoder;
  private final Coder<AccumT> accumulatorCoder;
  private final boolean latest;
  /** The operator's number in the state store; negative: nothing is stored. */
  private final int stateOperator;
  private transient ChangedKeys<K, AccumT, OutputT> changed;
  private transient CheckpointStorage location;

  @StateId("running")
  private final StateSpec<MapState<K, AccumT>> runningSpec;

  RunningTableFn(Combine.CombineFn<?, AccumT, OutputT> fn, Coder<K> keyCoder, Coder<AccumT> accumulatorCoder, boolean latest,
      int stateOperator) {
    this.fn = fn;
    this.keyCoder = keyCoder;
    this.accumulatorCoder = accumulatorCoder;
    this.latest = latest;
    this.stateOperator = stateOperator;
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
  public void finishBundle(FinishBundleContext context) throws IOException {
    if (stateOperator >= 0 && !changed.isEmpty()) {
      location = StateChanges.write(context.getPipelineOptions(), location, stateOperator, encoded());
    }
    changed.emit(context);
  }

  private Map<ByteBuffer, byte[]> encoded() {
    Map<ByteBuffer, byte[]> rows = new HashMap<>();
    changed.forEach((key, accumulator) -> {
      try {
        rows.put(ByteBuffer.wrap(CoderUtils.encodeToByteArray(keyCoder, key)),
            CoderUtils.encodeToByteArray(accumulatorCoder, accumulator));
      } catch (CoderException e) {
        throw new UncheckedIOException("Cannot encode the running aggregate of a key for the state store", e);
      }
    });
    return rows;
  }
}
