package dev.beamckpt.checkpoint.fingerprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

class PipelineFingerprintTest {
  @Test
  void stepNamesFiltersAndProjectionsDoNotChangeIt() {
    PipelineFingerprint plain = fingerprint(false, false, "Count");
    PipelineFingerprint changed = fingerprint(true, false, "CountWords");
    assertEquals(plain.hash(), changed.hash());
    assertTrue(plain.steps().stream().anyMatch(s -> s.startsWith("Combine.perKey(")), plain.steps().toString());
  }

  @Test
  void windowingChangesIt() {
    PipelineFingerprint global = fingerprint(false, false, "Count");
    PipelineFingerprint windowed = fingerprint(false, true, "Count");
    assertNotEquals(global.hash(), windowed.hash());
    assertTrue(windowed.steps().stream().anyMatch(s -> s.contains("FixedWindows(PT10S, offset PT0S)")), windowed.steps().toString());
  }

  private static PipelineFingerprint fingerprint(boolean withFilter, boolean windowed, String countName) {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    PCollection<String> words = p.apply(Create.of("a", "b"));
    if (withFilter) {
      words = words.apply(Filter.by(w -> !w.isEmpty()))
          .apply(MapElements.into(TypeDescriptors.strings()).via(String::toLowerCase));
    }
    if (windowed) {
      words = words.apply(Window.into(FixedWindows.of(Duration.standardSeconds(10))));
    }
    words.apply(countName, Count.perElement());
    return PipelineFingerprint.of(p);
  }
}
