package dev.beamckpt.sdk;

import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.joda.time.Duration;

/**
 * The Beam windowing that gives an aggregation an output mode's semantics; apply it before the
 * GroupByKey or Combine.
 *
 * <ul>
 *   <li>complete and update: fire on every element with accumulating panes, so the sink always
 *       holds each row's current value and the batch boundary decides what is shown;
 *   <li>append: fire once when the watermark passes the end of the window, with no allowed
 *       lateness, so each window's row is final when emitted (Spark drops data behind the
 *       watermark too).
 * </ul>
 */
public final class QueryWindowing {
  private QueryWindowing() {}

  /** An aggregation over the whole stream (no event-time windows). */
  public static <T> Window<T> global(OutputMode mode) {
    return into(new GlobalWindows(), mode);
  }

  @SuppressWarnings("unchecked")
  public static <T> Window<T> into(WindowFn<? super T, ?> windowFn, OutputMode mode) {
    Window<T> window = Window.<T>into((WindowFn<? super T, ?>) windowFn).withAllowedLateness(Duration.ZERO);
    return switch (mode) {
      case COMPLETE, UPDATE -> window.triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1))).accumulatingFiredPanes();
      case APPEND -> window.triggering(AfterWatermark.pastEndOfWindow()).discardingFiredPanes();
    };
  }
}
