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
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.NonMergingWindowFn;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.TimestampTransform;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowMappingFn;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.util.construction.SingleInputOutputOverrideFactory;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TimestampedValue;
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
    pipeline.replaceAll(List.of(PTransformOverride.of(ELIGIBLE, new Factory<>(Target.PER_KEY, state))));
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
    pipeline.replaceAll(List.of(PTransformOverride.of(ELIGIBLE, new Factory<>(Target.ONE_KEY, state))));
  }

  private static boolean runningInOneKey(AppliedPTransform<?, ?, ?> application) {
    return ELIGIBLE.matches(application) && running(mainInput(application)).isPresent()
        && ((KvCoder<?, ?>) mainInput(application).getCoder()).getKeyCoder().consistentWithEquals();
  }

  /**
   * A combine in event-time windows that fires once, when the watermark passes the end of the
   * window, with no lateness and the output at the window's end (append mode): {@link
   * WindowedTableFn} can hold its rows, by window, in one key.
   */
  private static boolean windowedInOneKey(AppliedPTransform<?, ?, ?> application) {
    if (!ELIGIBLE.matches(application)) {
      return false;
    }
    PCollection<?> input = mainInput(application);
    WindowingStrategy<?, ?> strategy = input.getWindowingStrategy();
    return !(strategy.getWindowFn() instanceof GlobalWindows) && strategy.getWindowFn().isNonMerging()
        && strategy.getTrigger().equals(AfterWatermark.pastEndOfWindow())
        && strategy.getAllowedLateness().getMillis() == 0
        && strategy.getTimestampCombiner() == TimestampCombiner.END_OF_WINDOW
        && ((KvCoder<?, ?>) input.getCoder()).getKeyCoder().consistentWithEquals();
  }

  /** Whether the state store can hold this combine's rows: numbered in pipeline order, as the store numbers them. */
  private static boolean stored(AppliedPTransform<?, ?, ?> application) {
    return runningInOneKey(application) || windowedInOneKey(application);
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
        if (stored(applied)) {
          running.add(node.getFullName());
          return CompositeBehavior.DO_NOT_ENTER_TRANSFORM;
        }
        if (node.getTransform() instanceof Combine.PerKey<?, ?, ?>) {
          other.add("'" + node.getFullName() + "' aggregates with a trigger other than once at the window's end"
              + " (its panes and timers are the DirectRunner's)");
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

  /** Which runner the lifted combines are shaped for. */
  private enum Target {
    /** Keyed state per key (Flink). */
    PER_KEY,
    /** One key for all (the DirectRunner), with the state store's capture. */
    ONE_KEY
  }

  /** What follows the shuffle of partials. */
  enum Final {
    /** A combine of accumulators: any windowing and trigger. */
    MERGE,
    /** {@link RunningCombineFn}: one state cell per key. */
    RUNNING_PER_KEY,
    /** {@link RunningTableFn}: every key in one map under one key. */
    RUNNING_ONE_KEY,
    /** {@link WindowedTableFn}: every key of a window in one map under one key, emitted when the window closes. */
    WINDOWED_ONE_KEY
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
    private final Target target;
    private final RunningState state;
    /** The number the next combine the state store can hold gets. */
    private int nextOperator;

    Factory(Target target, RunningState state) {
      this.target = target;
      this.state = state;
    }

    @Override
    @SuppressWarnings("unchecked")
    public PTransformReplacement<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>> getReplacementTransform(
        AppliedPTransform<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>, Combine.PerKey<K, InputT, OutputT>> applied) {
      PCollection<KV<K, OutputT>> output = (PCollection<KV<K, OutputT>>) applied.getOutputs().values().iterator().next();
      PCollection<KV<K, InputT>> input = PTransformReplacements.getSingletonMainInput(applied);
      Combine.CombineFn<InputT, ?, OutputT> fn = (Combine.CombineFn<InputT, ?, OutputT>) applied.getTransform().getFn();
      int operator = stored(applied) ? nextOperator++ : -1;
      Optional<Duration> running = running(input);
      Final after = target == Target.PER_KEY ? (running.isPresent() ? Final.RUNNING_PER_KEY : Final.MERGE)
          : runningInOneKey(applied) ? Final.RUNNING_ONE_KEY
          : windowedInOneKey(applied) ? Final.WINDOWED_ONE_KEY : Final.MERGE;
      boolean restores = after != Final.MERGE && operator >= 0;
      return PTransformOverrideFactory.PTransformReplacement.of(input,
          new Lifted<>(fn, (KvCoder<K, OutputT>) output.getCoder(), after, running.orElse(null),
              state.capture() && target == Target.ONE_KEY ? operator : -1,
              restores ? state.restored().getOrDefault(operator, Map.of()) : Map.of()));
    }
  }

  /** Puts each restored row back into the window it was stored with, which the row carries. */
  static final class StoredWindows<T> extends NonMergingWindowFn<KV<BoundedWindow, T>, BoundedWindow> {
    private final Coder<BoundedWindow> windowCoder;

    StoredWindows(Coder<BoundedWindow> windowCoder) {
      this.windowCoder = windowCoder;
    }

    @Override
    public java.util.Collection<BoundedWindow> assignWindows(AssignContext c) {
      return List.of(c.element().getKey());
    }

    @Override
    public boolean isCompatible(WindowFn<?, ?> other) {
      return other instanceof StoredWindows<?>;
    }

    @Override
    public Coder<BoundedWindow> windowCoder() {
      return windowCoder;
    }

    @Override
    public WindowMappingFn<BoundedWindow> getDefaultWindowMappingFn() {
      throw new UnsupportedOperationException("Restored state rows are not a side input");
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
        case WINDOWED_ONE_KEY -> withRestored(partials, keyCoder, accumulatorCoder)
            .apply("OneKey", WithKeys.of(0))
            .setCoder(KvCoder.of(VarIntCoder.of(), KvCoder.of(keyCoder, accumulatorCoder)))
            .apply("WindowedTable", ParDo.of(new WindowedTableFn<>(fn, keyCoder, accumulatorCoder,
                windowCoder(partials), stateOperator)));
      }).setCoder(outputCoder);
    }

    /**
     * The partials and, when rows are restored, those rows as partials of their own, each in the
     * window it was stored with: the aggregate merges them into empty state, which rebuilds it as
     * it was at the restored version.
     */
    private PCollection<KV<K, AccumT>> withRestored(PCollection<KV<K, AccumT>> partials, Coder<K> keyCoder,
        Coder<AccumT> accumulatorCoder) {
      if (restored.isEmpty()) {
        return partials;
      }
      boolean windowed = after == Final.WINDOWED_ONE_KEY;
      Coder<BoundedWindow> windowCoder = windowed ? windowCoder(partials) : null;
      Coder<KV<BoundedWindow, K>> storedKey = windowed ? KvCoder.of(windowCoder, keyCoder) : null;
      List<TimestampedValue<KV<BoundedWindow, KV<K, AccumT>>>> rows = new java.util.ArrayList<>(restored.size());
      try {
        for (Map.Entry<ByteBuffer, byte[]> row : restored.entrySet()) {
          AccumT accumulator = CoderUtils.decodeFromByteArray(accumulatorCoder, row.getValue());
          if (windowed) {
            KV<BoundedWindow, K> key = CoderUtils.decodeFromByteArray(storedKey, bytes(row.getKey()));
            rows.add(TimestampedValue.of(KV.of(key.getKey(), KV.of(key.getValue(), accumulator)),
                key.getKey().maxTimestamp()));
          } else {
            rows.add(TimestampedValue.of(KV.of(GlobalWindow.INSTANCE,
                KV.of(CoderUtils.decodeFromByteArray(keyCoder, bytes(row.getKey())), accumulator)),
                BoundedWindow.TIMESTAMP_MIN_VALUE));
          }
        }
      } catch (CoderException e) {
        throw new IllegalStateException("A stored row of the aggregate does not decode with its coders; the"
            + " pipeline's coders changed since the state was written", e);
      }
      Coder<BoundedWindow> rowWindowCoder = windowed ? windowCoder : (Coder) GlobalWindow.Coder.INSTANCE;
      PCollection<KV<K, AccumT>> state = partials.getPipeline()
          .apply("RestoredState", Create.timestamped(rows)
              .withCoder(KvCoder.of(rowWindowCoder, (KvCoder<K, AccumT>) partials.getCoder())))
          .apply("IntoStoredWindows", Window.into(new StoredWindows<>(rowWindowCoder)))
          .apply("Rows", Values.create())
          .setCoder(partials.getCoder());
      state.setWindowingStrategyInternal(partials.getWindowingStrategy());
      return PCollectionList.of(partials).and(state).apply("WithRestoredState", Flatten.pCollections())
          .setCoder(partials.getCoder());
    }

    @SuppressWarnings("unchecked")
    private static Coder<BoundedWindow> windowCoder(PCollection<?> partials) {
      return (Coder<BoundedWindow>) partials.getWindowingStrategy().getWindowFn().windowCoder();
    }

    private static byte[] bytes(ByteBuffer buffer) {
      byte[] b = new byte[buffer.remaining()];
      buffer.duplicate().get(b);
      return b;
    }
  }
}
