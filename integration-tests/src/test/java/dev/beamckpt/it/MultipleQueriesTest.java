package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.io.socket.ZipfLines;
import dev.beamckpt.pipelines.MultipleQueries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's two queries in one application (bin/multiple-queries), a real process reading one
 * line server: query1's console tables and query2's memory table equal the counts of every line
 * sent, across a graceful restart; then query2's location is damaged, and the next run reports
 * query2's failure clearly while query1 goes on counting from its own location.
 */
class MultipleQueriesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  @Test
  void bothQueriesRecoverOnTheirOwnLocationsAndADamagedOneFailsAlone() throws Exception {
    run();
  }

  @Test
  void bothQueriesRecoverOnFlinkInProcess() throws Exception {
    run("--runner=FlinkRunner");
  }

  private void run(String... runnerArgs) throws Exception {
    Path location = tmp.resolve("spark_checkpoints");
    List<String> lines = ZipfLines.generate(900, 15, 1.1, 7); // 15 words: the console shows 20 rows
    try (LineServer server = LineServer.start(0)) {
      String[] args = args(server, location, runnerArgs);
      QueryProcess app = QueryProcess.start(MultipleQueries.class, args);
      server.sendAll(lines.subList(0, 300));
      awaitQuery1Counts(app, lines.subList(0, 300));
      app.stopGracefully(Duration.ofSeconds(60));
      assertEquals(Locations.wordCountsOfLines(lines.subList(0, 300)), memoryTable(app.stdout()), "query2 at exit");
      // As with nc, a line written before the server notices the client left goes into the dead connection.
      assertTrue(server.awaitNoClient(10, TimeUnit.SECONDS), "the server saw the stopped application leave");

      server.sendAll(lines.subList(300, 600)); // sent while the application is down: the server keeps them
      app = QueryProcess.start(MultipleQueries.class, args);
      awaitQuery1Counts(app, lines.subList(0, 600));
      app.stopGracefully(Duration.ofSeconds(60));
      assertEquals(Locations.wordCountsOfLines(lines.subList(0, 600)), memoryTable(app.stdout()),
          "query2 continued from its own location");

      Files.writeString(location.resolve("query2/metadata"), "damaged");
      app = QueryProcess.start(MultipleQueries.class, args);
      QueryProcess damaged = app;
      app.await("query2's failure to be reported", Duration.ofSeconds(120),
          () -> damaged.stderr().contains("Error: query 'query2' did not start"));
      assertTrue(app.stderr().contains("query2/metadata is unreadable"), app.stderr());
      server.sendAll(lines.subList(600, 900));
      awaitQuery1Counts(app, lines);
      assertEquals(1, app.terminate(Duration.ofSeconds(60)), "a query failed: the application exits 1\n" + app.stderr());
    }
  }

  private static String[] args(LineServer server, Path location, String... runnerArgs) {
    List<String> args = new java.util.ArrayList<>(List.of(runnerArgs));
    args.addAll(List.of("--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=200 ms"));
    return args.toArray(String[]::new);
  }

  /** Waits until query1's latest console table equals the counts of {@code lines}. */
  private static void awaitQuery1Counts(QueryProcess app, List<String> lines) throws Exception {
    Map<String, Long> expected = Locations.wordCountsOfLines(lines);
    app.await("query1's table to count " + lines.size() + " lines", Duration.ofMinutes(3), () -> {
      List<QueryProcess.ConsoleBatch> batches = QueryProcess.batches(app.stdout());
      return !batches.isEmpty() && batches.get(batches.size() - 1).counts().equals(expected);
    });
  }

  /** The memory table the application printed on exit. */
  private static Map<String, Long> memoryTable(String stdout) throws Exception {
    String[] parts = stdout.split("Memory table 'query2' \\(\\d+ rows\\):\n", -1);
    assertEquals(2, parts.length, "the memory table is printed once, on exit:\n" + stdout);
    Map<String, Long> counts = new HashMap<>();
    for (String row : parts[1].lines().toList()) {
      Map<?, ?> cells = JSON.readValue(row, Map.class);
      counts.put((String) cells.get("word"), ((Number) cells.get("count")).longValue());
    }
    return counts;
  }
}
