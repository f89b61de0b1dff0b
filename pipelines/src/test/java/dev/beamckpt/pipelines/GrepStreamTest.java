package dev.beamckpt.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;

class GrepStreamTest {
  @Test
  void keepsTheLinesWithAMatch() {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    PCollection<String> matching = GrepStream.matching(p.apply(Create.of("an ERROR here", "fine", "WARN x")), "ERROR|WARN");
    PAssert.that(matching).containsInAnyOrder("an ERROR here", "WARN x");
    p.run().waitUntilFinish();
  }

  @Test
  void aBadPatternIsNamedBeforeAnythingRuns() {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GrepStream.matching(p.apply(Create.of("x")), "x("));
    assertTrue(e.getMessage().startsWith("--pattern 'x(' is not a regular expression: Unclosed group"), e.getMessage());
  }

  @Test
  void anOutputDirectoryWithoutASinkMeansFiles() {
    assertArrayEquals(new String[] {"--output=/tmp/o", "--sink=files"}, GrepStream.filesWhenOutputGiven(new String[] {"--output=/tmp/o"}));
    assertArrayEquals(new String[] {"--output=/tmp/o", "--sink=console"},
        GrepStream.filesWhenOutputGiven(new String[] {"--output=/tmp/o", "--sink=console"}));
    assertArrayEquals(new String[] {"--pattern=x"}, GrepStream.filesWhenOutputGiven(new String[] {"--pattern=x"}));
  }
}
