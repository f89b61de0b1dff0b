package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.pipelines.WordCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch reflects whole lines, as a Spark micro-batch reflects whole offsets: every line holds the
 * same eight words once, so in every update-mode batch all eight show, with one count. The query
 * runs on Flink at parallelism 2, where the eight words are counted by two parallel steps and
 * reach the result table on two paths; lines arrive steadily while checkpoints cut batches every
 * 300 ms. Beam's default (a step finishes its bundle after the checkpoint barrier left it, and
 * holds the outputs for the next checkpoint) split lines across batches here in every run.
 */
class WholeLinesPerBatchTest {
  private static final List<String> WORDS = List.of("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
      "hotel");
  private static final int LINES = 3_000;
  @TempDir Path tmp;

  @Test
  void everyBatchOnFlinkWithParallelismTwoHoldsWholeLines() throws Exception {
    Path output = tmp.resolve("out");
    String line = String.join(" ", WORDS);
    try (LineServer server = LineServer.start(0)) {
      QueryProcess query = QueryProcess.start(WordCount.class, "--runner=FlinkRunner", "--parallelism=2",
          "--port=" + server.port(), "--checkpointLocation=" + tmp.resolve("ckpt"), "--trigger=300 ms",
          "--outputMode=update", "--sink=files", "--output=" + output);
      server.send(line); // the lines after it stream while the query runs, not queued before it connects
      query.await("the first line counted", Duration.ofMinutes(2),
          () -> Files.isDirectory(output) && !Locations.fileSinkParts(output).isEmpty());
      int chunk = 30;
      for (int sent = 1; sent < LINES; sent += chunk) {
        server.sendAll(Collections.nCopies(Math.min(chunk, LINES - sent), line));
        Thread.sleep(50);
      }
      assertTrue(server.awaitSent(LINES, 120, TimeUnit.SECONDS), "the server could not deliver every line");
      Map<String, Long> all = new HashMap<>();
      WORDS.forEach(w -> all.put(w, (long) LINES));
      query.await("the output to count every line", Duration.ofMinutes(2),
          () -> Files.isDirectory(output) && Locations.countsOf(Locations.fileSinkRows(output, false)).equals(all));
      query.stopGracefully(Duration.ofSeconds(90));

      List<Path> parts = Locations.fileSinkParts(output);
      assertTrue(parts.size() >= 5, "lines arrived over several checkpoints: " + parts.size() + " batches");
      for (Path part : parts) {
        Map<String, Long> batch = Locations.countsOf(Locations.fileSinkRows(part));
        long count = batch.getOrDefault(WORDS.get(0), 0L);
        Map<String, Long> whole = new HashMap<>();
        WORDS.forEach(w -> whole.put(w, count));
        assertEquals(whole, batch, part.getFileName() + " must show whole lines: every word with one count");
      }
    }
  }
}
