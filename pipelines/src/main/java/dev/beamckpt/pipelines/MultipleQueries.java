package dev.beamckpt.pipelines;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamckpt.io.socket.SocketIO;
import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.StreamingQuery;
import dev.beamckpt.sdk.StreamingQueryException;
import dev.beamckpt.sdk.StreamingQueryManager;
import dev.beamckpt.sdk.WriteStream;
import dev.beamckpt.sdk.sink.ConsoleSink;
import dev.beamckpt.sdk.sink.MemorySink;
import dev.beamckpt.sdk.sink.Sink;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.PCollection;

/**
 * The seed's "Checkpointing with Multiple Queries": one word count started twice in one
 * application, {@code query1} to the console and {@code query2} to a memory table, each with its own
 * checkpoint location ({@code <--checkpointLocation>/query1} and {@code /query2}), both over one
 * input (standard input, or one connection to {@code --host}/{@code --port}). Each recovers on its
 * own location; one that fails (a damaged location) is reported while the other goes on. On exit
 * the memory table is printed, as {@code spark.sql("select * from query2").show()} would.
 *
 * <pre>
 * bin/multiple-queries --port=9999 --checkpointLocation=/tmp/spark_checkpoints --trigger="10 seconds"
 * </pre>
 */
public final class MultipleQueries {
  private static final List<String> NAMES = List.of("query1", "query2");
  private static final ObjectMapper JSON = new ObjectMapper();

  private MultipleQueries() {}

  public static void main(String[] args) throws IOException {
    SignalStop signals = SignalStop.install();
    PipelineOptionsFactory.register(QueryOptions.class);
    QueryOptions parsed;
    try {
      parsed = PipelineOptionsFactory.fromArgs(args).withValidation().as(QueryOptions.class);
    } catch (IllegalArgumentException e) {
      System.err.println("Error: " + OptionErrors.explain(args, e));
      System.exit(2);
      return;
    }
    StreamingQueryManager manager = StreamingQueryManager.get();
    int code = 0;
    try (SharedInput input = parsed.getPort() == null ? SharedInput.ofStandardInput(NAMES.size())
        : SharedInput.ofServer(parsed.getHost(), parsed.getPort(), NAMES.size())) {
      for (int i = 0; i < NAMES.size(); i++) {
        String name = NAMES.get(i);
        try {
          signals.started(start(args, name, input.port(i), parsed.getPort() == null,
              i == 0 ? ConsoleSink.create() : MemorySink.named(name)));
        } catch (IOException | IllegalArgumentException e) {
          System.err.println("Error: query '" + name + "' did not start: " + e.getMessage());
          code = 1;
        }
      }
      while (!manager.active().isEmpty()) {
        try {
          manager.awaitAnyTermination();
        } catch (StreamingQueryException e) {
          System.err.println("Error: " + e.getMessage() + " (the other queries go on)");
          code = 1;
        }
        manager.resetTerminated();
      }
    }
    printMemoryTable(NAMES.get(1));
    QueryMain.exit(code);
  }

  /**
   * One query of the application: its own pipeline and options, reading its own copy of the input.
   *
   * @param standardInput whether the input ends once (standard input) rather than serving reconnections
   */
  private static StreamingQuery start(String[] args, String name, int port, boolean standardInput, Sink sink)
      throws IOException {
    QueryOptions options = PipelineOptionsFactory.fromArgs(args).withValidation().as(QueryOptions.class);
    Pipeline pipeline = Pipeline.create(options);
    PCollection<String> lines = pipeline.apply("ReadLines", SocketIO.read().withHost("localhost").withPort(port)
        .withReconnectAfterEndOfStream(!standardInput));
    WriteStream<String, Long> query = WriteStream.of(WordCount.countWords(lines, OutputMode.COMPLETE))
        .columns("word", "count").queryName(name).outputMode(OutputMode.COMPLETE).sink(sink);
    if (options.getCheckpointLocation() != null) {
      query.checkpointLocation(options.getCheckpointLocation().replaceFirst("/*$", "") + "/" + name);
    }
    return query.start();
  }

  private static void printMemoryTable(String name) throws JsonProcessingException {
    List<Map<String, Object>> rows = MemorySink.table(name);
    StringBuilder sb = new StringBuilder("Memory table '" + name + "' (" + rows.size() + " rows):\n");
    for (Map<String, Object> row : rows) {
      sb.append(JSON.writeValueAsString(row)).append('\n');
    }
    System.out.print(sb);
    System.out.flush();
  }
}
