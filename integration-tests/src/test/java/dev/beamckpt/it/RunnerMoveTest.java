package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.pipelines.WindowedWordCount;
import dev.beamckpt.pipelines.WordCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A location written on the Direct runner continues on Flink: Flink has no state of its own yet,
 * so its source replays the receive log from the start into Flink state; batch ids continue. A
 * different pipeline on that location is refused before a Flink job is submitted, and so is an
 * event-time windowed query on Flink whose bundles finish after the checkpoint barrier (Beam 2.62's
 * Flink runner would then never close its windows).
 */
class RunnerMoveTest {
  @TempDir Path tmp;

  @Test
  void directLocationContinuesOnFlinkAndRefusesAnotherPipeline() throws Exception {
    Path location = tmp.resolve("word_count");
    try (LineServer server = LineServer.start(0)) {
      String[] common = {"--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=1 second"};

      QueryProcess direct = QueryProcess.start(WordCount.class, common);
      server.send("hello world hello spark");
      direct.awaitStdout(s -> !QueryProcess.batches(s).isEmpty(), Duration.ofSeconds(90), "batch 1 on Direct");
      direct.stopGracefully(Duration.ofSeconds(60));
      assertTrue(server.awaitNoClient(10, TimeUnit.SECONDS), "the server saw the stopped query leave");

      server.send("hello flink");
      QueryProcess flink = QueryProcess.start(WordCount.class, with("--runner=FlinkRunner", common));
      flink.awaitStdout(s -> !QueryProcess.batches(s).isEmpty(), Duration.ofSeconds(90), "batch 2 on Flink");
      assertEquals(List.of(new QueryProcess.ConsoleBatch(2, List.of("hello=3", "flink=1", "spark=1", "world=1"))),
          QueryProcess.batches(flink.stdout()));
      flink.stopGracefully(Duration.ofSeconds(60));

      List<Map<String, Object>> runs = Locations.runs(location);
      assertEquals(List.of("DirectRunner", "FlinkRunner"), runs.stream().map(r -> r.get("runner")).toList());
      List<String> stateBefore = list(location.resolve("state"));

      QueryProcess other = QueryProcess.start(WindowedWordCount.class, with("--runner=FlinkRunner", common));
      assertEquals(2, other.awaitExit(Duration.ofSeconds(90)), other.stderr());
      String err = other.stderr();
      assertTrue(err.contains("Incompatible checkpoint metadata at " + location), err);
      assertTrue(err.contains("query 'wordcount'") && err.contains("this query 'windowed-wordcount'"), err);
      assertEquals(stateBefore, list(location.resolve("state")), "no Flink job ran for the refused query");
      assertEquals(2, Locations.runs(location).size());

      QueryProcess windowed = QueryProcess.start(WindowedWordCount.class, "--runner=FlinkRunner",
          "--port=" + server.port(), "--checkpointLocation=" + tmp.resolve("windowed"), "--trigger=1 second",
          "--finishBundleBeforeCheckpointing=false");
      assertEquals(2, windowed.awaitExit(Duration.ofSeconds(90)), windowed.stderr());
      assertTrue(windowed.stderr().contains("aggregates in event-time windows (FixedWindows)")
          && windowed.stderr().contains("Leave out --finishBundleBeforeCheckpointing=false"), windowed.stderr());
      assertFalse(Files.exists(tmp.resolve("windowed").resolve("state")), "no Flink job ran for the refused query");
    }
  }

  private static String[] with(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private static List<String> list(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
