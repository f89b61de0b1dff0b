package dev.beamckpt.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.execution.QueryProgress;
import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.io.socket.SocketIO;
import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.StreamingQuery;
import dev.beamckpt.sdk.StreamingQueryException;
import dev.beamckpt.sdk.StreamingQueryManager;
import dev.beamckpt.sdk.StreamingQueryOptions;
import dev.beamckpt.sdk.WriteStream;
import dev.beamckpt.sdk.sink.MemorySink;
import dev.beamckpt.sdk.sink.Sink;
import dev.beamckpt.sdk.table.TableRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The StreamingQuery API in process: progress, stop, and a restart from the same location. */
class StreamingQueryTest {
  @TempDir Path tmp;
  private final List<StreamingQuery> started = new ArrayList<>();

  @AfterEach
  void stopAll() {
    started.forEach(StreamingQuery::stop);
  }

  @Test
  void withoutACheckpointLocationItRunsLikeSparksSocketSource() throws Exception {
    try (LineServer server = LineServer.start(0)) {
      StreamingQuery query = start(server, null, "plain");
      server.send("hello world hello");
      eventually(() -> counts("plain").equals(Map.of("hello", 2L, "world", 1L)) && committed(query) == 1);

      QueryProgress p = query.lastProgress();
      assertEquals("plain", p.name());
      assertTrue(p.batchId() >= 1);
      assertEquals(2, p.stateOperators().get(0).numRowsTotal());
      assertTrue(p.sources().get(0).description().contains("localhost:" + server.port()), p.sources().get(0).description());
      assertEquals("MemorySink[plain]", p.sink().description());

      query.stop();
      assertTrue(query.awaitTermination(30_000));
      assertFalse(query.isActive());
      assertTrue(query.exception().isEmpty());
    }
  }

  @Test
  void aRestartFromTheSameLocationKeepsTheIdAndContinuesBatchesAndCounts() throws Exception {
    Path location = tmp.resolve("ckpt");
    try (LineServer server = LineServer.start(0)) {
      StreamingQuery first = start(server, location, "restart");
      server.send("hello world hello spark");
      eventually(() -> counts("restart").equals(Map.of("hello", 2L, "world", 1L, "spark", 1L)) && committed(first) == 1);
      long lastBatch = first.lastProgress().batchId();
      first.stop();
      assertTrue(first.awaitTermination(30_000));

      server.send("hello spark streaming");
      StreamingQuery second = start(server, location, "restart");
      assertEquals(first.id(), second.id(), "the id is the location's");
      assertNotEquals(first.runId(), second.runId());
      eventually(() -> counts("restart").equals(Map.of("hello", 3L, "world", 1L, "spark", 2L, "streaming", 1L))
          && committed(second) == 1);
      assertTrue(second.lastProgress().batchId() > lastBatch, "batch ids continue");
      assertTrue(Files.size(location.resolve("sources/0/00000000000000000000.log")) > 0, "lines went through the receive log");
    }
  }

  @Test
  void aManagerListsItsQueriesAndReportsTheOneThatFailedWhileTheOtherGoesOn() throws Exception {
    StreamingQueryManager manager = new StreamingQueryManager();
    try (LineServer in1 = LineServer.start(0); LineServer in2 = LineServer.start(0)) {
      StreamingQuery healthy = start(in1, tmp.resolve("query1"), "query1", MemorySink.named("query1"), manager);
      StreamingQuery failing = start(in2, tmp.resolve("query2"), "query2", new FailingSink(), manager);
      assertEquals(List.of(healthy, failing), manager.active());
      assertEquals(failing, manager.get(failing.id()));
      IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
          () -> start(in1, tmp.resolve("other"), "query1", MemorySink.named("other"), manager));
      assertTrue(twice.getMessage().contains("Cannot start query with name 'query1'"), twice.getMessage());
      assertFalse(manager.awaitAnyTermination(200), "nothing ended yet");

      in2.send("fails");
      StreamingQueryException e = assertThrows(StreamingQueryException.class, manager::awaitAnyTermination);
      assertEquals("query2", e.queryName());
      assertTrue(e.getMessage().contains("the sink is gone"), e.getMessage());
      assertThrows(StreamingQueryException.class, () -> manager.awaitAnyTermination(0), "until reset, it stays reported");
      manager.resetTerminated();
      assertEquals(List.of(healthy), manager.active());
      assertNull(manager.get(failing.id()));

      in1.send("still counting");
      eventually(() -> counts("query1").equals(Map.of("still", 1L, "counting", 1L)));
      healthy.stop();
      assertTrue(manager.awaitAnyTermination(30_000), "a stop is a termination too, without an exception");
      assertTrue(manager.active().isEmpty());
    }
  }

  @Test
  void aStepThatThrowsFailsTheQueryWithItsOwnMessage() throws Exception {
    try (LineServer server = LineServer.start(0)) {
      StreamingQueryOptions options = PipelineOptionsFactory.fromArgs("--trigger=100 ms", "--queryName=poisoned",
          "--checkpointLocation=" + tmp.resolve("poisoned")).as(StreamingQueryOptions.class);
      Pipeline p = Pipeline.create(options);
      PCollection<String> lines = p.apply(SocketIO.read().withHost("localhost").withPort(server.port()))
          .apply("RefusePoison", MapElements.into(TypeDescriptors.strings()).via(PoisonRefused::check));
      MemorySink.clear("poisoned");
      StreamingQuery query = WriteStream.of(WordCount.countWords(lines, OutputMode.COMPLETE)).columns("word", "count")
          .outputMode(OutputMode.COMPLETE).sink(MemorySink.named("poisoned")).start();
      started.add(query);
      server.send("healthy line");
      eventually(() -> committed(query) == 1);
      server.send("poison");
      StreamingQueryException e = assertThrows(StreamingQueryException.class, () -> query.awaitTermination(60_000),
          "the query ends when a step throws");
      String message = e.getMessage();
      assertTrue(message.contains("PoisonRefused: line 'poison' refused"), "the step's own error, not just FAILED: "
          + message);
    }
  }

  /** A user's step that throws on one line. */
  private static final class PoisonRefused extends RuntimeException {
    PoisonRefused(String message) {
      super(message);
    }

    static String check(String line) {
      if (line.equals("poison")) {
        throw new PoisonRefused("line '" + line + "' refused");
      }
      return line;
    }
  }

  /** A sink whose storage is gone: every batch fails. */
  private static final class FailingSink implements Sink {
    @Override
    public String description() {
      return "FailingSink";
    }

    @Override
    public void addBatch(long batchId, OutputMode mode, List<String> columns, List<TableRow> rows) throws IOException {
      throw new IOException("the sink is gone");
    }
  }

  private StreamingQuery start(LineServer server, Path location, String name) throws Exception {
    MemorySink.clear(name);
    return start(server, location, name, MemorySink.named(name), StreamingQueryManager.get());
  }

  private StreamingQuery start(LineServer server, Path location, String name, Sink sink, StreamingQueryManager manager)
      throws Exception {
    List<String> args = new ArrayList<>(List.of("--trigger=100 ms", "--queryName=" + name));
    if (location != null) {
      args.add("--checkpointLocation=" + location);
    }
    StreamingQueryOptions options = PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(StreamingQueryOptions.class);
    Pipeline p = Pipeline.create(options);
    StreamingQuery query = WriteStream.of(WordCount.countWords(
            p.apply(SocketIO.read().withHost("localhost").withPort(server.port())), OutputMode.COMPLETE))
        .columns("word", "count").outputMode(OutputMode.COMPLETE).sink(sink).manager(manager).start();
    started.add(query);
    return query;
  }

  /** Input rows of the batches whose progress was reported; a batch reports after its sink wrote. */
  private static long committed(StreamingQuery query) {
    return query.recentProgress().stream().mapToLong(QueryProgress::numInputRows).sum();
  }

  private static Map<String, Long> counts(String table) {
    Map<String, Long> counts = new HashMap<>();
    MemorySink.table(table).forEach(r -> counts.put((String) r.get("word"), ((Number) r.get("count")).longValue()));
    return counts;
  }


  private static void eventually(Callable<Boolean> condition) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(condition);
  }
}
