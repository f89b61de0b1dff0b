package dev.beamckpt.checkpoint.combine;

import dev.beamckpt.checkpoint.state.StateChanges;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;

/**
 * Every key's aggregate of one event-time window in one map under a single key, emitted once when
 * the watermark passes the end of the window and then dropped, as a grouping with {@code
 * AfterWatermark.pastEndOfWindow()}, no allowed lateness and outputs at the window's end emits it
 * (append mode). For the DirectRunner, which gives every key of a grouping its own bundle and
 * scans every key's timers: here a window has one timer however many keys it holds. The runner
 * keeps the state per window and drops input behind the watermark, as it does for a grouping.
 *
 * <p>With a state operator number, each bundle's changes go into the location's state store: a
 * changed row under its window and key, a window's rows as removed (an empty value) once emitted,
 * so a version holds the open windows only.
 */
final class WindowedTableFn<K, AccumT, OutputT> extends DoFn<KV<Integer, KV<K, AccumT>>, KV<K, OutputT>> {
  private static final byte[] REMOVED = new byte[0];
  private final Combine.CombineFn<?, AccumT, OutputT> fn;
  private final Coder<AccumT> accumulatorCoder;
  private final KvCoder<BoundedWindow, K> storedKeyCoder;
  /** The operator's number in the state store; negative: nothing is stored. */
  private final int stateOperator;
  private transient Map<ByteBuffer, byte[]> changes;
  private transient CheckpointStorage location;

  @StateId("rows")
  private final StateSpec<MapState<K, AccumT>> rowsSpec;

  @TimerId("end")
  private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

  WindowedTableFn(Combine.CombineFn<?, AccumT, OutputT> fn, Coder<K> keyCoder, Coder<AccumT> accumulatorCoder,
      Coder<BoundedWindow> windowCoder, int stateOperator) {
    this.fn = fn;
    this.accumulatorCoder = accumulatorCoder;
    this.storedKeyCoder = KvCoder.of(windowCoder, keyCoder);
    this.stateOperator = stateOperator;
    this.rowsSpec = StateSpecs.map(keyCoder, accumulatorCoder);
  }

  @StartBundle
  public void startBundle() {
    changes = new HashMap<>();
  }

  @ProcessElement
  public void process(@Element KV<Integer, KV<K, AccumT>> element, BoundedWindow window,
      @StateId("rows") MapState<K, AccumT> rows, @TimerId("end") Timer end) throws CoderException {
    KV<K, AccumT> partial = element.getValue();
    AccumT running = rows.get(partial.getKey()).read();
    AccumT now = running == null ? partial.getValue() : fn.mergeAccumulators(java.util.List.of(running, partial.getValue()));
    rows.put(partial.getKey(), now);
    end.set(window.maxTimestamp());
    if (stateOperator >= 0) {
      changes.put(storedKey(window, partial.getKey()), CoderUtils.encodeToByteArray(accumulatorCoder, now));
    }
  }

  @OnTimer("end")
  public void onEnd(BoundedWindow window, @StateId("rows") MapState<K, AccumT> rows,
      OutputReceiver<KV<K, OutputT>> out) throws CoderException {
    for (Map.Entry<K, AccumT> row : rows.entries().read()) {
      out.output(KV.of(row.getKey(), fn.extractOutput(row.getValue())));
      if (stateOperator >= 0) {
        changes.put(storedKey(window, row.getKey()), REMOVED);
      }
    }
    rows.clear();
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) throws IOException {
    if (stateOperator >= 0 && !changes.isEmpty()) {
      location = StateChanges.write(context.getPipelineOptions(), location, stateOperator, changes);
    }
    changes = new HashMap<>();
  }

  private ByteBuffer storedKey(BoundedWindow window, K key) throws CoderException {
    return ByteBuffer.wrap(CoderUtils.encodeToByteArray(storedKeyCoder, KV.of(window, key)));
  }
}
