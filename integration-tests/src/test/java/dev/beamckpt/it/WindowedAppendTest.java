package dev.beamckpt.it;

import dev.beamckpt.io.socket.ZipfLines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.pipelines.WindowedWordCount;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's windowed count in append mode across a graceful restart and a SIGKILL: every window
 * the watermark closed is emitted exactly once, with the counts of the lines whose ingestion time
 * (recorded in the receive log) falls in it.
 */
class WindowedAppendTest {
  private static final long WINDOW_MS = 2_000;
  @TempDir Path tmp;

  @Test
  void eachClosedWindowIsEmittedOnceAcrossRestarts() throws Exception {
    List<String> lines = ZipfLines.generate(1_200, 50, 1.1, 3);
    Path location = tmp.resolve("windowed");
    Path output = tmp.resolve("out");
    try (LineServer server = LineServer.start(0)) {
      String[] args = {"--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=500 ms",
          "--windowDuration=2 seconds", "--watermarkDelay=1 second", "--sink=files", "--output=" + output};

      QueryProcess query = QueryProcess.start(WindowedWordCount.class, args);
      trickle(server, lines.subList(0, 400), query, 1);
      query.stopGracefully(Duration.ofSeconds(60));

      server.sendAll(lines.subList(400, 500)); // while down: ingested after the restart
      query = QueryProcess.start(WindowedWordCount.class, args);
      trickle(server, lines.subList(500, 800), query, 2);
      query.kill();

      query = QueryProcess.start(WindowedWordCount.class, args);
      trickle(server, lines.subList(800, 1_200), query, 3);
      server.send("the end");
      List<LogRecord> log = Locations.awaitCommittedThrough(location, "the end", query, Duration.ofSeconds(90));
      long lastWindowEnd = windowStart(log.get(log.size() - 1).timestampMs()) + WINDOW_MS;
      query.await("the watermark to close the last window", Duration.ofSeconds(60),
          () -> Locations.lastCommitted(location).orElseThrow().watermarkMs() >= lastWindowEnd);
      query.stopGracefully(Duration.ofSeconds(60));

      Map<String, Long> emitted = new HashMap<>();
      for (Map<String, Object> row : Locations.fileSinkRows(output, false)) {
        @SuppressWarnings("unchecked")
        Map<String, String> window = (Map<String, String>) row.get("window");
        String key = Instant.parse(window.get("start")).toEpochMilli() + "/" + row.get("word");
        assertNull(emitted.put(key, ((Number) row.get("count")).longValue()), "window/word emitted twice: " + key);
      }
      Map<String, Long> expected = windowedCounts(log);
      assertTrue(expected.keySet().stream().map(k -> k.split("/")[0]).distinct().count() >= 4, "the run spans several windows");
      assertEquals(expected, emitted, "each closed window once, with the counts of its lines in the receive log");
    }
  }

  /**
   * Once the newly started query has connected, sends lines in small groups over about three
   * seconds, so their ingestion times spread across windows.
   */
  private static void trickle(LineServer server, List<String> lines, QueryProcess query, int run) throws Exception {
    query.await("query run " + run + " to connect", Duration.ofSeconds(60), () -> server.clientsAccepted() >= run);
    for (int i = 0; i < lines.size(); i += 13) {
      server.sendAll(lines.subList(i, Math.min(lines.size(), i + 13)));
      Thread.sleep(100); // pacing the sender, not waiting for a result
    }
    query.assertAlive();
  }

  private static long windowStart(long timestampMs) {
    return timestampMs - Math.floorMod(timestampMs, WINDOW_MS);
  }

  private static Map<String, Long> windowedCounts(List<LogRecord> log) {
    Map<String, Long> counts = new HashMap<>();
    for (LogRecord r : log) {
      for (String w : r.line().split("\\s+")) {
        if (!w.isEmpty()) {
          counts.merge(windowStart(r.timestampMs()) + "/" + w, 1L, Long::sum);
        }
      }
    }
    return counts;
  }
}
