package dev.beamckpt.checkpoint.combine;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;

/**
 * A key's running aggregate over the whole stream, fired like {@code
 * Repeatedly.forever(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(delay))} with
 * accumulating panes (or on every input when the delay is zero), in one state cell per key instead
 * of the trigger machinery of a grouping: the same rows, a fraction of the state accesses.
 */
final class RunningCombineFn<K, AccumT, OutputT> extends DoFn<KV<K, AccumT>, KV<K, OutputT>> {
  private final Combine.CombineFn<?, AccumT, OutputT> fn;
  private final Coder<K> keyCoder;
  private final Duration delay;
  /**
   * Keys whose timer this instance set and that has not fired: a hint that saves a state cell
   * per key, not state. After a restore it is empty, so a key's next input sets its restored
   * timer again, which only moves that firing later by at most the delay.
   */
  private transient Set<Object> armed;

  @StateId("running")
  private final StateSpec<ValueState<AccumT>> runningSpec;

  @TimerId("fire")
  private final TimerSpec fireSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  RunningCombineFn(Combine.CombineFn<?, AccumT, OutputT> fn, Coder<K> keyCoder, Coder<AccumT> accumulatorCoder,
      Duration delay) {
    this.fn = fn;
    this.keyCoder = keyCoder;
    this.delay = delay;
    this.runningSpec = StateSpecs.value(accumulatorCoder);
  }

  @Setup
  public void setup() {
    armed = new HashSet<>();
  }

  @ProcessElement
  public void process(@Element KV<K, AccumT> partial, @StateId("running") ValueState<AccumT> running,
      @TimerId("fire") Timer fire, OutputReceiver<KV<K, OutputT>> out) {
    AccumT before = running.read();
    AccumT now = before == null ? partial.getValue() : fn.mergeAccumulators(List.of(before, partial.getValue()));
    running.write(now);
    if (delay.getMillis() == 0) {
      out.output(KV.of(partial.getKey(), fn.extractOutput(now)));
    } else if (armed.add(keyCoder.structuralValue(partial.getKey()))) {
      fire.offset(delay).setRelative();
    }
  }

  @OnTimer("fire")
  public void onFire(@Key K key, @StateId("running") ValueState<AccumT> running, OutputReceiver<KV<K, OutputT>> out) {
    armed.remove(keyCoder.structuralValue(key));
    out.output(KV.of(key, fn.extractOutput(running.read())));
  }
}
