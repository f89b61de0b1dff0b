package dev.beamckpt.checkpoint.combine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.Mean;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

class CombinerLiftingTest {
  /** Rows seen by the collecting step, per test run (the DirectRunner runs in this JVM). */
  private static final Map<String, List<String>> SEEN = new ConcurrentHashMap<>();

  private static Pipeline pipeline() {
    var options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    return Pipeline.create(options);
  }

  private static List<TimestampedValue<String>> words() {
    List<TimestampedValue<String>> words = new ArrayList<>();
    String[] vocabulary = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 500; i++) {
      // skewed like words in text: "a" far more often than "e"
      words.add(TimestampedValue.of(vocabulary[Math.min(4, Integer.numberOfTrailingZeros(i + 1))], new Instant(i * 10L)));
    }
    return words;
  }

  /** Word counts per 1-second window with their output timestamps, run with or without lifting. */
  private static List<String> windowedCounts(boolean lift, TimestampCombiner timestamps) {
    String run = "windowed-" + lift + "-" + timestamps;
    Pipeline p = pipeline();
    PCollection<KV<String, Long>> counts = p.apply(Create.timestamped(words()))
        .apply(Window.<String>into(FixedWindows.of(Duration.standardSeconds(1))).withTimestampCombiner(timestamps))
        .apply(Count.perElement());
    counts.apply(ParDo.of(new Collect<>(run)));
    if (lift) {
      CombinerLifting.apply(p);
      assertTrue(has(p, "PartialCombine"), "the combine was lifted");
    }
    SEEN.remove(run);
    p.run().waitUntilFinish();
    return sorted(SEEN.get(run));
  }

  @Test
  void liftedCountGivesTheSameRowsWindowsAndTimestamps() {
    for (TimestampCombiner t : TimestampCombiner.values()) {
      List<String> plain = windowedCounts(false, t);
      assertEquals(5 * 5, plain.size(), "a row per window and word: " + plain);
      assertEquals(plain, windowedCounts(true, t), "timestamp combiner " + t);
    }
  }

  /** Append mode's windowing: one firing when the watermark passes the window's end. */
  private static List<String> appendCounts(boolean oneKey) {
    String run = "append-" + oneKey;
    Pipeline p = pipeline();
    p.apply(Create.timestamped(words()))
        .apply(Window.<String>into(FixedWindows.of(Duration.standardSeconds(1))).triggering(AfterWatermark.pastEndOfWindow())
            .withAllowedLateness(Duration.ZERO).discardingFiredPanes())
        .apply(Count.perElement())
        .apply(ParDo.of(new Collect<>(run)));
    if (oneKey) {
      CombinerLifting.applyInOneKey(p);
      assertTrue(has(p, "WindowedTable"), "the windowed count became a table of windows in one key");
    }
    SEEN.remove(run);
    p.run().waitUntilFinish();
    return sorted(SEEN.get(run));
  }

  @Test
  void windowedCountInOneKeyGivesTheSameRowsWindowsAndTimestamps() {
    List<String> plain = appendCounts(false);
    assertEquals(5 * 5, plain.size(), plain.toString());
    assertEquals(plain, appendCounts(true));
  }

  @Test
  void stateCoverageNamesWhatTheStoreHoldsAndWhatItCannot() {
    Pipeline p = pipeline();
    PCollection<String> words = p.apply(Create.timestamped(words()));
    words.apply("Windowed", Window.<String>into(FixedWindows.of(Duration.standardSeconds(1)))
            .triggering(AfterWatermark.pastEndOfWindow()).withAllowedLateness(Duration.ZERO).discardingFiredPanes())
        .apply("CountPerWindow", Count.perElement());
    words.apply("Running", Window.<String>into(new GlobalWindows()).triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1)))
            .accumulatingFiredPanes().withAllowedLateness(Duration.ZERO))
        .apply("RunningCount", Count.perElement());
    CombinerLifting.StateCoverage covered = CombinerLifting.stateCoverage(p);
    assertEquals(List.of("CountPerWindow/Combine.perKey(Count)", "RunningCount/Combine.perKey(Count)"), covered.running());
    assertTrue(covered.complete(), covered.other().toString());

    words.apply("Keyed", WithKeys.of("k")).apply("Group", GroupByKey.create());
    CombinerLifting.StateCoverage partly = CombinerLifting.stateCoverage(p);
    assertEquals(List.of("'Group' groups by key (its state is the DirectRunner's)"), partly.other());
  }

  @Test
  void combinesWithOtherAccumulatorsToo() {
    Pipeline p = pipeline();
    List<KV<String, Integer>> input = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      input.add(KV.of("k" + i % 7, i));
    }
    PCollection<KV<String, Integer>> kvs = p.apply(Create.of(input));
    kvs.apply("Sum", Sum.integersPerKey()).apply("CollectSum", ParDo.of(new Collect<>("sum")));
    kvs.apply("Mean", Mean.perKey()).apply("CollectMean", ParDo.of(new Collect<>("mean")));
    CombinerLifting.apply(p);
    SEEN.remove("sum");
    SEEN.remove("mean");
    p.run().waitUntilFinish();
    Map<String, Long> sums = new TreeMap<>();
    Map<String, Double> means = new TreeMap<>();
    for (int i = 0; i < 1000; i++) {
      sums.merge("k" + i % 7, (long) i, Long::sum);
    }
    for (int k = 0; k < 7; k++) {
      long n = (1000 - k + 6) / 7;
      means.put("k" + k, sums.get("k" + k) / (double) n);
    }
    assertEquals(sums.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList(),
        sorted(SEEN.get("sum")).stream().map(row -> row.substring(0, row.indexOf('@'))).toList());
    assertEquals(7, SEEN.get("mean").size());
    for (String row : SEEN.get("mean")) {
      String key = row.substring(0, row.indexOf('='));
      assertEquals(means.get(key), Double.parseDouble(row.substring(row.indexOf('=') + 1, row.indexOf('@'))), 1e-9, row);
    }
  }

  @Test
  void aRunningAggregateFiresEveryKeysGrowingCount() {
    // Every element fires per input; a firing delay fires each changed key when its bundle finishes.
    // Per key (Flink) or every key in one map under one key (the DirectRunner).
    for (Trigger trigger : List.of(Repeatedly.forever(AfterPane.elementCountAtLeast(1)),
        Repeatedly.forever(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(Duration.millis(250))))) {
      for (boolean oneKey : new boolean[] {false, true}) {
        Pipeline p = pipeline();
        p.apply(Create.timestamped(words()))
            .apply(Window.<String>into(new GlobalWindows()).triggering(trigger).accumulatingFiredPanes()
                .withAllowedLateness(Duration.ZERO))
            .apply(Count.perElement())
            .apply(ParDo.of(new Collect<>("running")));
        if (oneKey) {
          CombinerLifting.applyInOneKey(p);
        } else {
          CombinerLifting.apply(p);
        }
        String step = oneKey ? "RunningTable" : "RunningAggregate";
        assertTrue(has(p, step), "the aggregate became a " + step);
        SEEN.remove("running");
        p.run().waitUntilFinish();
        Map<String, Long> last = new TreeMap<>();
        for (String row : SEEN.get("running")) {
          last.merge(row.substring(0, row.indexOf('=')), Long.parseLong(row.substring(row.indexOf('=') + 1, row.indexOf('@'))), Math::max);
        }
        Map<String, Long> expected = new TreeMap<>();
        words().forEach(w -> expected.merge(w.getValue(), 1L, Long::sum));
        assertEquals(expected, last, trigger + ", " + step + ": each key's latest row is its count over the whole input");
      }
    }
  }

  @Test
  void readsTheFiringDelayOfAProcessingTimeUpdateTrigger() {
    Pipeline p = pipeline();
    PCollection<String> fired = p.apply(Create.of("a"))
        .apply(Window.<String>into(new GlobalWindows()).triggering(Repeatedly.forever(
                AfterProcessingTime.pastFirstElementInPane().plusDelayOf(Duration.millis(250))))
            .accumulatingFiredPanes().withAllowedLateness(Duration.ZERO));
    assertEquals(Optional.of(Duration.millis(250)), CombinerLifting.running(fired));
    PCollection<String> discarding = fired.apply("Discarding", Window.<String>configure().discardingFiredPanes());
    assertEquals(Optional.empty(), CombinerLifting.running(discarding), "discarding panes are not a running aggregate");
  }

  @Test
  void anotherTriggerKeepsTheGrouping() {
    Pipeline p = pipeline();
    p.apply(Create.timestamped(words()))
        .apply(Window.<String>into(new GlobalWindows()).triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(2)))
            .accumulatingFiredPanes().withAllowedLateness(Duration.ZERO))
        .apply(Count.perElement());
    CombinerLifting.apply(p);
    assertFalse(has(p, "RunningAggregate"), "a count trigger above one is not a running aggregate's firing");
    assertTrue(has(p, "MergeAccumulators"), "but the combine is still lifted");
  }

  @Test
  void mergingWindowsAreLeftAlone() {
    Pipeline p = pipeline();
    p.apply(Create.timestamped(words()))
        .apply(Window.into(Sessions.withGapDuration(Duration.standardSeconds(1))))
        .apply(Count.perElement());
    CombinerLifting.apply(p);
    assertFalse(has(p, "PartialCombine"), "sessions merge windows, so partials per window would be wrong");
  }

  private static List<String> sorted(List<String> rows) {
    List<String> out = new ArrayList<>(rows);
    out.sort(null);
    return out;
  }

  private static boolean has(Pipeline p, String name) {
    boolean[] found = {false};
    p.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
        found[0] |= node.getFullName().endsWith(name);
        return CompositeBehavior.ENTER_TRANSFORM;
      }

      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        found[0] |= node.getFullName().endsWith(name);
      }
    });
    return found[0];
  }

  private static final class Collect<V> extends DoFn<KV<String, V>, Void> {
    private final String run;

    Collect(String run) {
      this.run = run;
    }

    @ProcessElement
    public void process(@Element KV<String, V> row, @org.apache.beam.sdk.transforms.DoFn.Timestamp Instant timestamp,
        BoundedWindow window) {
      SEEN.computeIfAbsent(run, r -> java.util.Collections.synchronizedList(new ArrayList<>()))
          .add(row.getKey() + "=" + row.getValue() + "@" + timestamp + "/" + window);
    }
  }
}
