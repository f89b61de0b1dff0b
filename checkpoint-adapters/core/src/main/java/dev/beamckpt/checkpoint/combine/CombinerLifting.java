package dev.beamckpt.checkpoint.combine;

import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.runners.PTransformMatcher;
import org.apache.beam.sdk.runners.PTransformOverride;
import org.apache.beam.sdk.runners.PTransformOverrideFactory;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.util.construction.SingleInputOutputOverrideFactory;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Duration;

/**
 * Combiner lifting for streaming runners that do not do it themselves (Beam 2.62's Flink runner
 * sends every input element of a {@code Combine.perKey} through the shuffle and its trigger
 * machinery): each eligible {@code Combine.perKey} becomes a per-bundle partial combine before the
 * shuffle and a combine of accumulators after it, the plan Spark and Flink's batch runner use.
 *
 * <p>Eligible: a plain {@link Combine.CombineFn} (no context, no side inputs) over non-merging
 * windows; a partial carries the earliest (or, for {@link TimestampCombiner#LATEST}, the latest)
 * timestamp of its inputs, so the final combine sees the timestamps it would have. The runner
 * must finish a bundle before it takes a checkpoint, as Flink's DoFnOperator does, so no partial
 * is held outside checkpointed state. Apply after the pipeline's fingerprint is taken: it changes
 * the runner's graph, not the query.
 */
public final class CombinerLifting {
  private CombinerLifting() {}

  public static void apply(Pipeline pipeline) {
    pipeline.replaceAll(List.of(PTransformOverride.of(ELIGIBLE, new Factory<>(null))));
  }

  /**
   * Also turns each eligible aggregation over the global window with accumulating panes fired by
   * {@code updateTrigger} (the runner adapter's, {@code firingDelay} after a key's first change)
   * into a running aggregate per key ({@link RunningCombineFn}).
   */
  public static void apply(Pipeline pipeline, Trigger updateTrigger, Duration firingDelay) {
    PTransformMatcher running = application -> ELIGIBLE.matches(application) && runsWith(mainInput(application), updateTrigger);
    pipeline.replaceAll(List.of(PTransformOverride.of(running, new Factory<>(firingDelay)),
        PTransformOverride.of(ELIGIBLE, new Factory<>(null))));
  }

  private static boolean runsWith(PCollection<?> input, Trigger updateTrigger) {
    WindowingStrategy<?, ?> strategy = input.getWindowingStrategy();
    return strategy.getWindowFn() instanceof GlobalWindows
        && strategy.getMode() == WindowingStrategy.AccumulationMode.ACCUMULATING_FIRED_PANES
        && strategy.getTrigger().equals(updateTrigger);
  }

  private static PCollection<?> mainInput(AppliedPTransform<?, ?, ?> application) {
    return application.getMainInputs().values().iterator().next();
  }

  private static final PTransformMatcher ELIGIBLE = new PTransformMatcher() {
    @Override
    public boolean matches(AppliedPTransform<?, ?, ?> application) {
      if (!(application.getTransform() instanceof Combine.PerKey<?, ?, ?> perKey)
          || !(perKey.getFn() instanceof Combine.CombineFn<?, ?, ?>)
          || perKey.getFn() instanceof MergeAccumulatorsFn<?, ?>
          || !perKey.getSideInputs().isEmpty()) {
        return false;
      }
      return application.getMainInputs().size() == 1 && mainInput(application).getCoder() instanceof KvCoder<?, ?>
          && !mainInput(application).getWindowingStrategy().needsMerge();
    }
  };

  private static final class Factory<K, InputT, OutputT> extends SingleInputOutputOverrideFactory<
      PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>, Combine.PerKey<K, InputT, OutputT>> {
    /** Null: a combine of accumulators after the shuffle; else a running aggregate fired this long after a change. */
    private final Duration firingDelay;

    Factory(Duration firingDelay) {
      this.firingDelay = firingDelay;
    }

    @Override
    @SuppressWarnings("unchecked")
    public PTransformReplacement<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>> getReplacementTransform(
        AppliedPTransform<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>, Combine.PerKey<K, InputT, OutputT>> applied) {
      PCollection<KV<K, OutputT>> output = (PCollection<KV<K, OutputT>>) applied.getOutputs().values().iterator().next();
      Combine.CombineFn<InputT, ?, OutputT> fn = (Combine.CombineFn<InputT, ?, OutputT>) applied.getTransform().getFn();
      return PTransformOverrideFactory.PTransformReplacement.of(PTransformReplacements.getSingletonMainInput(applied),
          new Lifted<>(fn, (KvCoder<K, OutputT>) output.getCoder(), firingDelay));
    }
  }

  /** Partial combine per bundle, shuffle of accumulators, final combine. */
  static final class Lifted<K, InputT, AccumT, OutputT> extends PTransform<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>> {
    private final Combine.CombineFn<InputT, AccumT, OutputT> fn;
    private final KvCoder<K, OutputT> outputCoder;

    private final Duration firingDelay;

    Lifted(Combine.CombineFn<InputT, AccumT, OutputT> fn, KvCoder<K, OutputT> outputCoder, Duration firingDelay) {
      this.fn = fn;
      this.outputCoder = outputCoder;
      this.firingDelay = firingDelay;
    }

    @Override
    public PCollection<KV<K, OutputT>> expand(PCollection<KV<K, InputT>> input) {
      KvCoder<K, InputT> inputCoder = (KvCoder<K, InputT>) input.getCoder();
      Coder<AccumT> accumulatorCoder;
      try {
        accumulatorCoder = fn.getAccumulatorCoder(input.getPipeline().getCoderRegistry(), inputCoder.getValueCoder());
      } catch (CannotProvideCoderException e) {
        throw new IllegalStateException("Combine " + fn.getClass().getName() + " has no accumulator coder", e);
      }
      boolean latest = input.getWindowingStrategy().getTimestampCombiner() == TimestampCombiner.LATEST;
      PCollection<KV<K, AccumT>> partials = input
          .apply("PartialCombine", ParDo.of(new PartialCombineFn<>(fn, inputCoder.getKeyCoder(), latest)))
          .setCoder(KvCoder.of(inputCoder.getKeyCoder(), accumulatorCoder));
      return (firingDelay == null
          ? partials.apply("MergeAccumulators", Combine.perKey(new MergeAccumulatorsFn<>(fn, accumulatorCoder)))
          : partials.apply("RunningAggregate", ParDo.of(new RunningCombineFn<>(fn, accumulatorCoder, firingDelay))))
          .setCoder(outputCoder);
    }
  }
}
