package dev.beamckpt.sdk;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;

class WriteStreamTest {
  @Test
  void appendWithAGlobalAggregationFailsLikeSpark() {
    PCollection<KV<String, Long>> counts = words().apply(QueryWindowing.global(OutputMode.APPEND)).apply(Count.perElement());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WriteStream.of(counts).queryName("counts").outputMode(OutputMode.APPEND).start());
    String m = e.getMessage();
    assertTrue(m.startsWith("Append output mode not supported when there are streaming aggregations without watermark"), m);
    assertTrue(m.contains("query 'counts'") && m.contains("--outputMode=complete"), m);
  }

  @Test
  void aGlobalAggregationWithBeamsDefaultTriggerIsNamed() {
    PCollection<KV<String, Long>> counts = words().apply(Count.perElement());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WriteStream.of(counts).queryName("counts").outputMode(OutputMode.COMPLETE).start());
    assertTrue(e.getMessage().contains("default trigger, which never fires on a stream"), e.getMessage());
  }

  @Test
  void availableNowOnFlinkWithoutALocationIsRefused() {
    PCollection<KV<String, Long>> counts = words("--runner=FlinkRunner", "--trigger=availableNow")
        .apply(QueryWindowing.global(OutputMode.COMPLETE)).apply(Count.perElement());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WriteStream.of(counts).queryName("counts").outputMode(OutputMode.COMPLETE).start());
    assertTrue(e.getMessage().contains("--trigger=availableNow on Flink needs a --checkpointLocation"), e.getMessage());
  }

  private static PCollection<String> words(String... args) {
    PipelineOptionsFactory.register(StreamingQueryOptions.class);
    return Pipeline.create(PipelineOptionsFactory.fromArgs(args).create()).apply(Create.of("hello", "world"));
  }
}
