package dev.beamckpt.sdk;

import dev.beamckpt.checkpoint.adapter.CheckpointAdapter;
import dev.beamckpt.checkpoint.adapter.CheckpointAdapters;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * The Beam windowing that gives an aggregation an output mode's semantics; apply it before the
 * GroupByKey or Combine.
 *
 * <ul>
 *   <li>complete and update: accumulating panes, fired so the result table is current at every
 *       batch boundary: on every element on the DirectRunner, at most every {@code
 *       --updateFiringMillis} per key on Flink (the runner's adapter decides, see {@link
 *       CheckpointAdapter#updateTrigger});
 *   <li>append: fire once when the watermark passes the end of the window, with no allowed
 *       lateness, so each window's row is final when emitted (Spark drops data behind the
 *       watermark too).
 * </ul>
 */
public final class QueryWindowing<T> extends PTransform<PCollection<T>, PCollection<T>> {
  private final WindowFn<? super T, ?> windowFn;
  private final OutputMode mode;

  private QueryWindowing(WindowFn<? super T, ?> windowFn, OutputMode mode) {
    this.windowFn = windowFn;
    this.mode = mode;
  }

  /** An aggregation over the whole stream (no event-time windows). */
  public static <T> QueryWindowing<T> global(OutputMode mode) {
    return new QueryWindowing<>(new GlobalWindows(), mode);
  }

  public static <T> QueryWindowing<T> into(WindowFn<? super T, ?> windowFn, OutputMode mode) {
    return new QueryWindowing<>(windowFn, mode);
  }

  @Override
  @SuppressWarnings("unchecked")
  public PCollection<T> expand(PCollection<T> input) {
    // Into the global window from the global window only the trigger changes: configure it, so the
    // runner runs no window-assigning step per element (Flink passes a one-input Flatten through).
    boolean alreadyThere = windowFn instanceof GlobalWindows && input.getWindowingStrategy().getWindowFn() instanceof GlobalWindows;
    Window<T> window = (alreadyThere ? Window.<T>configure() : Window.<T>into((WindowFn<? super T, ?>) windowFn))
        .withAllowedLateness(Duration.ZERO);
    PipelineOptions options = input.getPipeline().getOptions();
    return input.apply("Window.Into()", switch (mode) {
      case COMPLETE, UPDATE -> window.triggering(CheckpointAdapters.find(options)
          .map(adapter -> adapter.updateTrigger(options))
          .orElse(CheckpointAdapter.everyElement())).accumulatingFiredPanes();
      case APPEND -> window.triggering(AfterWatermark.pastEndOfWindow()).discardingFiredPanes();
    });
  }
}
