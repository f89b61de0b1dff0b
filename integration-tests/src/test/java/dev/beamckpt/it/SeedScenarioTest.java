package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.pipelines.WordCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's scenario: socket word count, stop, more lines sent while it is down, restart with the
 * same checkpoint location, the counts continue. Our line server plays nc's part.
 */
class SeedScenarioTest {
  @TempDir Path tmp;

  @Test
  void countsContinueAfterStopAndRestart() throws Exception {
    seedScenario(tmp.resolve("word_count").toString());
  }

  /**
   * The same on Flink in-process, with RocksDB state: stop takes a savepoint into state/, the
   * restart resumes from it. (The other Flink tests use the default filesystem backend.)
   */
  @Test
  void countsContinueAfterStopAndRestartOnFlink() throws Exception {
    Path location = tmp.resolve("word_count_flink");
    seedScenario(location.toString(), "--runner=FlinkRunner", "--stateBackend=rocksdb");
    List<Map<String, Object>> runs = Locations.runs(location);
    assertEquals(2, runs.size());
    assertEquals("FlinkRunner", runs.get(1).get("runner"));
    assertTrue(String.valueOf(runs.get(1).get("restoredFrom")).startsWith("state/savepoints/savepoint-"), runs.toString());
    assertEquals(1, ((Number) runs.get(1).get("restoredFromBatch")).intValue());
  }

  /**
   * Batch 1 counts the first line; the query stops (SIGTERM) and a line is typed while it is down;
   * the restart's batch 2 continues the counts. Second stops gracefully too.
   */
  static void seedScenario(String location, String... runnerArgs) throws Exception {
    seedScenario(List.of(), location, runnerArgs);
  }

  /** @param jvmArgs JVM options of the query processes (an emulator's credentials) */
  static void seedScenario(List<String> jvmArgs, String location, String... runnerArgs) throws Exception {
    try (LineServer server = LineServer.start(0)) {
      List<String> args = new ArrayList<>(List.of(runnerArgs));
      args.addAll(List.of("--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=1 second"));

      QueryProcess first = QueryProcess.start(jvmArgs, null, WordCount.class, args.toArray(String[]::new));
      server.send("hello world hello spark");
      first.awaitStdout(s -> !QueryProcess.batches(s).isEmpty(), Duration.ofSeconds(90), "batch 1");
      assertEquals(List.of(new QueryProcess.ConsoleBatch(1, List.of("hello=2", "spark=1", "world=1"))),
          QueryProcess.batches(first.stdout()));
      first.stopGracefully(Duration.ofSeconds(60));
      assertTrue(server.awaitNoClient(10, TimeUnit.SECONDS), "the server saw the stopped query leave");

      server.send("hello spark streaming"); // typed while the query is down; the server keeps it

      QueryProcess second = QueryProcess.start(jvmArgs, null, WordCount.class, args.toArray(String[]::new));
      second.awaitStdout(s -> !QueryProcess.batches(s).isEmpty(), Duration.ofSeconds(90), "batch 2");
      assertEquals(List.of(new QueryProcess.ConsoleBatch(2, List.of("hello=3", "spark=2", "streaming=1", "world=1"))),
          QueryProcess.batches(second.stdout()));
      second.stopGracefully(Duration.ofSeconds(60));
    }
  }

  /** The README's main job: standard input, availableNow, run twice. */
  @Test
  void standardInputWithAvailableNowContinuesAcrossRuns() throws Exception {
    availableNowTwice("demo");
  }

  /**
   * The same on Flink in-process: each run stops by itself, with a savepoint, once a completed
   * checkpoint holds all of its input and that checkpoint's batch is written.
   */
  @Test
  void standardInputWithAvailableNowContinuesAcrossRunsOnFlink() throws Exception {
    availableNowTwice("demo-flink", "--runner=FlinkRunner");
  }

  private void availableNowTwice(String name, String... runnerArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of(runnerArgs));
    args.addAll(List.of("--checkpointLocation=" + tmp.resolve(name), "--trigger=availableNow"));
    String[] argv = args.toArray(String[]::new);
    Path input1 = Files.writeString(tmp.resolve(name + "-in1.txt"), "hello world hello spark\n");
    QueryProcess first = QueryProcess.start(input1, WordCount.class, argv);
    assertEquals(0, first.awaitExit(Duration.ofSeconds(90)), first.stderr());
    assertEquals(List.of(new QueryProcess.ConsoleBatch(1, List.of("hello=2", "spark=1", "world=1"))),
        QueryProcess.batches(first.stdout()));
    assertEquals("", first.stderr().strip(), "no log noise on a clean run");

    Path input2 = Files.writeString(tmp.resolve(name + "-in2.txt"), "hello spark streaming\n");
    QueryProcess second = QueryProcess.start(input2, WordCount.class, argv);
    assertEquals(0, second.awaitExit(Duration.ofSeconds(90)), second.stderr());
    assertEquals(List.of(new QueryProcess.ConsoleBatch(2, List.of("hello=3", "spark=2", "streaming=1", "world=1"))),
        QueryProcess.batches(second.stdout()));
  }
}
