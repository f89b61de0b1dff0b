package dev.beamckpt.sdk;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.sdk.sink.FileSink;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
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

  /**
   * A second run without a location into the same directory wrote nothing: its batch 1 found the
   * first run's part-00001 and took it for its own. Spark requires a location for its file sink too.
   */
  @Test
  void theFileSinkWithoutALocationIsRefusedSayingWhy() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WriteStream.ofValues(words()).queryName("lines").sink(FileSink.json(Path.of("/tmp/out"))).start());
    String m = e.getMessage();
    assertTrue(m.startsWith("Query 'lines': FileSink[/tmp/out, json] needs a --checkpointLocation: it writes each batch's"
        + " file once, by batch id"), m);
    assertTrue(m.contains("e.g. --checkpointLocation=/tmp/ckpt/lines."), m);
  }

  @Test
  void rowsWithoutAnAggregationRefuseOnlyCompleteMode() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WriteStream.ofValues(words()).queryName("lines").outputMode(OutputMode.COMPLETE).start());
    assertTrue(e.getMessage().startsWith("Complete output mode not supported when there are no streaming aggregations"),
        e.getMessage());
    assertTrue(e.getMessage().contains("--outputMode=append"), e.getMessage());
  }

  @Test
  void anAggregationIsFoundUpstreamThroughOtherSteps() {
    PCollection<String> lines = words();
    assertTrue(Aggregations.upstreamOf(lines.apply(Filter.by((String w) -> !w.isEmpty()))).isEmpty());
    PCollection<KV<String, Long>> counts = lines.apply(Count.perElement());
    PCollection<String> described = counts.apply(MapElements.into(TypeDescriptors.strings()).via(kv -> kv.getKey()));
    assertTrue(Aggregations.upstreamOf(described).orElseThrow().contains("Count.PerElement"),
        Aggregations.upstreamOf(described).toString());
  }

  @Test
  void oneColumnNamesAreForValuesAndTwoForAggregations() {
    assertThrows(IllegalArgumentException.class, () -> WriteStream.ofValues(words()).columns("a", "b"));
    PCollection<KV<String, Long>> counts = words().apply(Count.perElement());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WriteStream.of(counts).column("a"));
    assertTrue(e.getMessage().contains("use columns(key, value)"), e.getMessage());
  }

  private static PCollection<String> words(String... args) {
    PipelineOptionsFactory.register(StreamingQueryOptions.class);
    return Pipeline.create(PipelineOptionsFactory.fromArgs(args).create()).apply(Create.of("hello", "world"));
  }
}
