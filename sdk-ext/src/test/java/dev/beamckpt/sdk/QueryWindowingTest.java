package dev.beamckpt.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.fingerprint.PipelineFingerprint;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.WindowingStrategy.AccumulationMode;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

/** Which trigger an output mode gets: the runner's adapter decides how often updates fire. */
class QueryWindowingTest {
  @Test
  void onTheDirectRunnerEveryElementUpdatesTheTable() {
    PCollection<String> windowed = words("--runner=DirectRunner").apply(QueryWindowing.global(OutputMode.UPDATE));
    assertEquals(Repeatedly.forever(AfterPane.elementCountAtLeast(1)).toString(), trigger(windowed));
    assertEquals(AccumulationMode.ACCUMULATING_FIRED_PANES, windowed.getWindowingStrategy().getMode());
  }

  @Test
  void onFlinkAKeyFiresAtMostEveryUpdateFiringDelay() {
    Trigger expected = Repeatedly.forever(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(Duration.millis(200)));
    assertEquals(expected.toString(), trigger(words("--runner=FlinkRunner").apply(QueryWindowing.global(OutputMode.COMPLETE))));
    assertEquals(Repeatedly.forever(AfterPane.elementCountAtLeast(1)).toString(),
        trigger(words("--runner=FlinkRunner", "--updateFiringMillis=0").apply(QueryWindowing.global(OutputMode.COMPLETE))),
        "0 fires on every element");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> words("--runner=FlinkRunner", "--updateFiringMillis=-5").apply(QueryWindowing.global(OutputMode.UPDATE)));
    assertTrue(e.getMessage().contains("--updateFiringMillis=-5 is negative"), e.getMessage());
  }

  @Test
  void appendFiresOnceWhenTheWatermarkPassesOnEveryRunner() {
    for (String runner : new String[] {"--runner=DirectRunner", "--runner=FlinkRunner"}) {
      PCollection<String> windowed = words(runner).apply(QueryWindowing.global(OutputMode.APPEND));
      assertEquals(AfterWatermark.pastEndOfWindow().toString(), trigger(windowed), runner);
      assertEquals(AccumulationMode.DISCARDING_FIRED_PANES, windowed.getWindowingStrategy().getMode());
    }
  }

  @Test
  void fromTheGlobalWindowOnlyTheTriggerIsSetAndTheFingerprintStays() {
    Pipeline configured = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=FlinkRunner").create());
    configured.apply(Create.of("hello", "world")).apply(QueryWindowing.global(OutputMode.UPDATE)).apply(Count.perElement());
    Pipeline assigned = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=FlinkRunner").create());
    assigned.apply(Create.of("hello", "world"))
        .apply(Window.<String>into(new GlobalWindows()).withAllowedLateness(Duration.ZERO).triggering(
            Repeatedly.forever(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(Duration.millis(200))))
            .accumulatingFiredPanes())
        .apply(Count.perElement());
    assertEquals(PipelineFingerprint.of(assigned).steps(), PipelineFingerprint.of(configured).steps(),
        "a location written with Window.into(GlobalWindows) keeps its fingerprint");
    boolean[] assigns = {false};
    configured.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        assigns[0] |= node.getTransform() instanceof Window.Assign<?>;
      }
    });
    assertFalse(assigns[0], "no window-assigning step");
  }

  /** The trigger as text: Beam's triggers compare by what they print. */
  private static String trigger(PCollection<?> windowed) {
    return windowed.getWindowingStrategy().getTrigger().toString();
  }

  private static PCollection<String> words(String... args) {
    return Pipeline.create(PipelineOptionsFactory.fromArgs(args).create()).apply(Create.of("hello", "world"));
  }
}
