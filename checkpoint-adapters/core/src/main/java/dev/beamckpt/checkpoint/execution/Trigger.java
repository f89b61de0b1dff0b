package dev.beamckpt.checkpoint.execution;

import java.time.Duration;

/**
 * When micro-batches run (Spark's Trigger): every processing-time interval, or {@code availableNow}
 * (process what the sources have, then stop).
 */
public record Trigger(Duration interval, boolean isAvailableNow) {

  public static Trigger processingTime(Duration interval) {
    return new Trigger(interval, false);
  }

  public static Trigger availableNow() {
    return new Trigger(Duration.ZERO, true);
  }

  /** Parses {@code --trigger}: "availableNow", "once" (an alias, as in Spark) or an interval. */
  public static Trigger parse(String text) {
    if (text == null || text.isBlank()) {
      return processingTime(Duration.ZERO);
    }
    String t = text.trim();
    if (t.equalsIgnoreCase("availableNow") || t.equalsIgnoreCase("once")) {
      return availableNow();
    }
    return processingTime(Intervals.parse(t, "--trigger"));
  }

  /**
   * The period of a runner that makes batches by itself, from its own checkpoints (Flink): the
   * interval, but at least a second, since every batch costs a checkpoint.
   */
  public Duration runnerInterval() {
    return interval.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : interval;
  }

  @Override
  public String toString() {
    return isAvailableNow ? "availableNow" : "ProcessingTime(" + interval.toMillis() + " ms)";
  }
}
