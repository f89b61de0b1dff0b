package dev.beamckpt.checkpoint.combine;

import dev.beamckpt.checkpoint.adapter.CheckpointAdapter;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.runners.PTransformMatcher;
import org.apache.beam.sdk.runners.PTransformOverride;
import org.apache.beam.sdk.runners.PTransformOverrideFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.TimestampTransform;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.util.construction.SingleInputOutputOverrideFactory;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
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

  /**
   * Lifts every eligible combine; one over the global window whose accumulating panes fire a fixed
   * delay after a key's first change, or on every element (how {@code QueryWindowing} runs complete
   * and update mode), becomes a running aggregate per key ({@link RunningCombineFn}) instead of a
   * grouping with trigger machinery. It fires as that trigger would, except at the end of time,
   * which a streaming query does not reach.
   */
  public static void apply(Pipeline pipeline) {
    apply(pipeline, RunningState.none());
  }

  /**
   * As {@link #apply(Pipeline)}; the running aggregates start from {@code state}'s restored rows,
   * numbered as {@link #applyInOneKey} numbers them (a location the DirectRunner wrote, continued
   * on another runner).
   */
  public static void apply(Pipeline pipeline, RunningState state) {
    PTransformMatcher running = application -> ELIGIBLE.matches(application) && running(mainInput(application)).isPresent();
    pipeline.replaceAll(List.of(PTransformOverride.of(running, new Factory<>(Final.RUNNING_PER_KEY, state)),
        PTransformOverride.of(ELIGIBLE, new Factory<>(Final.MERGE, RunningState.none()))));
  }

  /**
   * Lifts every eligible combine for the DirectRunner, which gives every key of a stateful step or
   * grouping its own bundle and scans every key's timers: a running aggregate keeps all its keys in
   * one map under one key ({@link RunningTableFn}), so a batch's partials make one bundle; other
   * combines keep the grouping.
   */
  public static void applyInOneKey(Pipeline pipeline) {
    applyInOneKey(pipeline, RunningState.none());
  }

  /**
   * As {@link #applyInOneKey(Pipeline)}; the running aggregates, numbered in pipeline order, store
   * their changes and start from the restored rows as {@code state} says.
   */
  public static void applyInOneKey(Pipeline pipeline, RunningState state) {
    pipeline.replaceAll(List.of(PTransformOverride.of(CombinerLifting::runningInOneKey, new Factory<>(Final.RUNNING_ONE_KEY, state)),
        PTransformOverride.of(ELIGIBLE, new Factory<>(Final.MERGE, RunningState.none()))));
  }

  private static boolean runningInOneKey(AppliedPTransform<?, ?, ?> application) {
    return ELIGIBLE.matches(application) && running(mainInput(application)).isPresent()
        && ((KvCoder<?, ?>) mainInput(application).getCoder()).getKeyCoder().consistentWithEquals();
  }

  /**
   * Which steps of {@code pipeline} keep state, as the DirectRunner would run it after {@link
   * #applyInOneKey}: the running aggregates, whose rows a state store can hold, by name in the
   * order they are numbered; and every other stateful step (a grouping, a windowed aggregation, a
   * DoFn with state or timers), with why its state stays the runner's.
   */
  public static StateCoverage stateCoverage(Pipeline pipeline) {
    List<String> running = new java.util.ArrayList<>();
    List<String> other = new java.util.ArrayList<>();
    pipeline.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
        if (node.isRootNode()) {
          return CompositeBehavior.ENTER_TRANSFORM;
        }
        AppliedPTransform<?, ?, ?> applied = node.toAppliedPTransform(pipeline);
        if (runningInOneKey(applied)) {
          running.add(node.getFullName());
          return CompositeBehavior.DO_NOT_ENTER_TRANSFORM;
        }
        if (node.getTransform() instanceof Combine.PerKey<?, ?, ?>) {
          other.add("'" + node.getFullName() + "' aggregates in event-time windows or with its own trigger (its"
              + " window state and timers are the DirectRunner's)");
          return CompositeBehavior.DO_NOT_ENTER_TRANSFORM;
        }
        return CompositeBehavior.ENTER_TRANSFORM;
      }

      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        PTransform<?, ?> transform = node.getTransform();
        if (transform instanceof org.apache.beam.sdk.transforms.GroupByKey<?, ?>) {
          other.add("'" + node.getFullName() + "' groups by key (its state is the DirectRunner's)");
        } else if (transform instanceof ParDo.MultiOutput<?, ?> parDo) {
          org.apache.beam.sdk.transforms.reflect.DoFnSignature signature =
              org.apache.beam.sdk.transforms.reflect.DoFnSignatures.getSignature(parDo.getFn().getClass());
          if (signature.usesState() || signature.usesTimers()) {
            other.add("'" + node.getFullName() + "' keeps state or timers of its own");
          }
        }
      }
    });
    return new StateCoverage(running, other);
  }

  /**
   * @param running the running aggregates whose rows a state store holds, by step name
   * @param other why each other stateful step's state cannot be stored (empty: the store covers all)
   */
  public record StateCoverage(List<String> running, List<String> other) {
    public boolean complete() {
      return other.isEmpty();
    }
  }

  /** What follows the shuffle of partials. */
  enum Final {
    /** A combine of accumulators: any windowing and trigger. */
    MERGE,
    /** {@link RunningCombineFn}: one state cell per key. */
    RUNNING_PER_KEY,
    /** {@link RunningTableFn}: every key in one map under one key. */
    RUNNING_ONE_KEY
  }

  /** The firing delay of a running aggregate over {@code input}, if its windowing makes it one. */
  static Optional<Duration> running(PCollection<?> input) {
    WindowingStrategy<?, ?> strategy = input.getWindowingStrategy();
    if (!(strategy.getWindowFn() instanceof GlobalWindows)
        || strategy.getMode() != WindowingStrategy.AccumulationMode.ACCUMULATING_FIRED_PANES) {
      return Optional.empty();
    }
    if (strategy.getTrigger().equals(CheckpointAdapter.everyElement())) {
      return Optional.of(Duration.ZERO);
    }
    if (!(strategy.getTrigger() instanceof Repeatedly repeatedly)) {
      return Optional.empty();
    }
    Trigger each = repeatedly.getRepeatedTrigger();
    if (each instanceof AfterProcessingTime after && after.getTimestampTransforms().size() == 1
        && after.getTimestampTransforms().get(0) instanceof TimestampTransform.Delay delay) {
      return Optional.of(delay.getDelay());
    }
    return Optional.empty();
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
    private final Final after;
    private final RunningState state;
    /** The number the next running aggregate gets in the state store. */
    private int nextOperator;

    Factory(Final after, RunningState state) {
      this.after = after;
      this.state = state;
    }

    @Override
    @SuppressWarnings("unchecked")
    public PTransformReplacement<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>> getReplacementTransform(
        AppliedPTransform<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>, Combine.PerKey<K, InputT, OutputT>> applied) {
      PCollection<KV<K, OutputT>> output = (PCollection<KV<K, OutputT>>) applied.getOutputs().values().iterator().next();
      Combine.CombineFn<InputT, ?, OutputT> fn = (Combine.CombineFn<InputT, ?, OutputT>) applied.getTransform().getFn();
      // numbered as the state store numbers them: running aggregates a single-key table can hold
      int operator = after != Final.MERGE && runningInOneKey(applied) ? nextOperator++ : -1;
      return PTransformOverrideFactory.PTransformReplacement.of(PTransformReplacements.getSingletonMainInput(applied),
          new Lifted<>(fn, (KvCoder<K, OutputT>) output.getCoder(), after,
              after == Final.MERGE ? null : running(PTransformReplacements.getSingletonMainInput(applied)).orElseThrow(),
              state.capture() ? operator : -1, state.restored().getOrDefault(operator, Map.of())));
    }
  }

  /** Partial combine per bundle, shuffle of accumulators, final combine. */
  static final class Lifted<K, InputT, AccumT, OutputT> extends PTransform<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>> {
    private final Combine.CombineFn<InputT, AccumT, OutputT> fn;
    private final KvCoder<K, OutputT> outputCoder;
    private final Final after;
    /** A running aggregate's firing delay; null for {@link Final#MERGE}. */
    private final Duration firingDelay;
    /** The state store's number for a running aggregate in one key that stores its rows; else negative. */
    private final int stateOperator;
    /** Rows it starts from: encoded keys and accumulators. */
    private final Map<ByteBuffer, byte[]> restored;

    Lifted(Combine.CombineFn<InputT, AccumT, OutputT> fn, KvCoder<K, OutputT> outputCoder, Final after, Duration firingDelay) {
      this(fn, outputCoder, after, firingDelay, -1, Map.of());
    }

    Lifted(Combine.CombineFn<InputT, AccumT, OutputT> fn, KvCoder<K, OutputT> outputCoder, Final after, Duration firingDelay,
        int stateOperator, Map<ByteBuffer, byte[]> restored) {
      this.fn = fn;
      this.outputCoder = outputCoder;
      this.after = after;
      this.firingDelay = firingDelay;
      this.stateOperator = stateOperator;
      this.restored = restored;
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
      Coder<K> keyCoder = inputCoder.getKeyCoder();
      return (switch (after) {
        case MERGE -> partials.apply("MergeAccumulators", Combine.perKey(new MergeAccumulatorsFn<>(fn, accumulatorCoder)));
        case RUNNING_PER_KEY -> withRestored(partials, keyCoder, accumulatorCoder).apply("RunningAggregate",
            ParDo.of(new RunningCombineFn<>(fn, keyCoder, accumulatorCoder, firingDelay, latest)));
        case RUNNING_ONE_KEY -> withRestored(partials, keyCoder, accumulatorCoder)
            .apply("OneKey", WithKeys.of(0))
            .setCoder(KvCoder.of(VarIntCoder.of(), KvCoder.of(keyCoder, accumulatorCoder)))
            .apply("RunningTable", ParDo.of(new RunningTableFn<>(fn, keyCoder, accumulatorCoder, latest, stateOperator)));
      }).setCoder(outputCoder);
    }

    /**
     * The partials and, when rows are restored, those rows as partials of their own: the aggregate
     * merges them into empty state, which rebuilds it as it was at the restored version.
     */
    private PCollection<KV<K, AccumT>> withRestored(PCollection<KV<K, AccumT>> partials, Coder<K> keyCoder,
        Coder<AccumT> accumulatorCoder) {
      if (restored.isEmpty()) {
        return partials;
      }
      List<KV<K, AccumT>> rows = new java.util.ArrayList<>(restored.size());
      try {
        for (Map.Entry<ByteBuffer, byte[]> row : restored.entrySet()) {
          rows.add(KV.of(CoderUtils.decodeFromByteArray(keyCoder, bytes(row.getKey())),
              CoderUtils.decodeFromByteArray(accumulatorCoder, row.getValue())));
        }
      } catch (CoderException e) {
        throw new IllegalStateException("A stored row of the running aggregate does not decode with its coders; the"
            + " pipeline's coders changed since the state was written", e);
      }
      PCollection<KV<K, AccumT>> state = partials.getPipeline()
          .apply("RestoredState", Create.of(rows).withCoder(partials.getCoder()));
      state.setWindowingStrategyInternal(partials.getWindowingStrategy());
      return PCollectionList.of(partials).and(state).apply("WithRestoredState", Flatten.pCollections())
          .setCoder(partials.getCoder());
    }

    private static byte[] bytes(ByteBuffer buffer) {
      byte[] b = new byte[buffer.remaining()];
      buffer.duplicate().get(b);
      return b;
    }
  }
}
