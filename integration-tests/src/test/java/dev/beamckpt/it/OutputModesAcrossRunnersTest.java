package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.io.socket.ZipfLines;
import dev.beamckpt.pipelines.WordCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Complete and update mode give the same result table on the DirectRunner (a batch per gate, a
 * running count per key in one map) and on Flink with parallelism 2 (a table in Flink state, a
 * batch per completed checkpoint), for the same seeded input. The table a sink
 * shows is its last file in complete mode and every file folded in batch order in update mode.
 */
class OutputModesAcrossRunnersTest {
  private static final String END_MARKER = "end-of-stream-marker";
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"complete", "update"})
  void directAndFlinkWithParallelismTwoShowTheSameTable(String mode) throws Exception {
    List<String> lines = new ArrayList<>(ZipfLines.generate(3_000, 300, 1.1, 7));
    lines.add(END_MARKER);
    Map<String, Long> direct = finalTable(mode, lines, "direct", List.of());
    Map<String, Long> flink = finalTable(mode, lines, "flink", List.of("--runner=FlinkRunner", "--parallelism=2"));
    assertEquals(direct, flink, "the same table on both runners in " + mode + " mode");
  }

  /** Runs the word count over {@code lines} until its sink shows the counts of every logged line; returns its table. */
  private Map<String, Long> finalTable(String mode, List<String> lines, String name, List<String> runnerArgs)
      throws Exception {
    Path location = tmp.resolve(name + "-" + mode);
    Path output = tmp.resolve(name + "-" + mode + "-out");
    boolean complete = mode.equals("complete");
    try (LineServer server = LineServer.start(0)) {
      List<String> args = new ArrayList<>(runnerArgs);
      args.addAll(List.of("--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=500 ms",
          "--outputMode=" + mode, "--sink=files", "--output=" + output));
      QueryProcess query = QueryProcess.start(WordCount.class, args.toArray(String[]::new));
      server.sendAll(lines);
      assertTrue(server.awaitSent(lines.size(), 120, TimeUnit.SECONDS), "the server could not deliver every line");
      query.await("the " + mode + "-mode output to show every logged line", Duration.ofMinutes(3), () -> {
        if (!Files.isDirectory(output) || Locations.find(location, END_MARKER).isEmpty()) {
          return false;
        }
        return Locations.countsOf(Locations.fileSinkRows(output, complete))
            .equals(Locations.wordCounts(Locations.receiveLog(location)));
      });
      query.stopGracefully(Duration.ofSeconds(90));
      List<LogRecord> log = Locations.receiveLog(location);
      assertEquals(lines.size(), log.size(), name + ": each line once in the log");
      Map<String, Long> table = Locations.countsOf(Locations.fileSinkRows(output, complete));
      assertEquals(Locations.wordCounts(log), table, name + ": the sink's table counts every logged line once");
      return table;
    }
  }
}
