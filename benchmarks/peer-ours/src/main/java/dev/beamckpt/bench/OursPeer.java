package dev.beamckpt.bench;

import dev.beamckpt.checkpoint.execution.QueryProgress;
import dev.beamckpt.io.socket.SocketIO;
import dev.beamckpt.pipelines.QueryOptions;
import dev.beamckpt.pipelines.WordCount;
import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.StreamingQuery;
import dev.beamckpt.sdk.WriteStream;
import dev.beamckpt.sdk.sink.Sink;
import dev.beamckpt.sdk.table.TableRow;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.PCollection;

/**
 * This project's word count (pipelines' {@link WordCount}) in update mode, its rows going to the
 * probe. Takes the word count's own options: {@code --runner --port --checkpointLocation --trigger}.
 */
public final class OursPeer {
  private OursPeer() {}

  /** Every row of every batch to the probe, as the console sink would print it. */
  static final class ProbeSink implements Sink {
    @Override
    public String description() {
      return "ProbeSink";
    }

    @Override
    public void addBatch(long batchId, OutputMode mode, List<String> columns, List<TableRow> rows) {
      Probe probe = Probe.get();
      for (TableRow row : rows) {
        probe.update((String) row.key(), (Long) row.value());
      }
    }
  }

  public static void main(String[] args) throws Exception {
    PipelineOptionsFactory.register(QueryOptions.class);
    QueryOptions options = PipelineOptionsFactory.fromArgs(args).withValidation().as(QueryOptions.class);
    options.setQueryName("bench-wordcount");
    Pipeline pipeline = Pipeline.create(options);
    PCollection<String> lines = pipeline.apply("ReadLines", SocketIO.read().withHost("localhost").withPort(options.getPort()));
    StreamingQuery query = WriteStream.of(WordCount.countWords(lines, OutputMode.UPDATE))
        .columns("word", "count").outputMode(OutputMode.UPDATE).sink(new ProbeSink()).start();
    long reported = -1;
    while (query.isActive()) {
      for (QueryProgress p : query.recentProgress()) {
        if (p.batchId() > reported) {
          reported = p.batchId();
          Probe.get().checkpoint(checkpointMs(p.durationMs()), -1);
        }
      }
      Thread.sleep(50);
    }
    query.awaitTermination();
  }

  /** Flink: the checkpoint that released the batch; Direct: writing the batch's offsets and commit. */
  private static long checkpointMs(Map<String, Long> d) {
    if (d.containsKey("checkpoint")) {
      return d.get("checkpoint");
    }
    return d.getOrDefault("walCommit", 0L) + d.getOrDefault("commitOffsets", 0L);
  }
}
