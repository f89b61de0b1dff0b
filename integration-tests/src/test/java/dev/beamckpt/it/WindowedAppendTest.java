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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's windowed count in append mode across a graceful restart and a SIGKILL: every window
 * the watermark closed is emitted exactly once, with the counts of the lines whose ingestion time
 * (recorded in the receive log) falls in it.
 */
class WindowedAppendTest {
  private static final long WINDOW_MS = 2_000;
  private static final long DELAY_MS = 1_000;
  private static final long TRIGGER_MS = 500;
  @TempDir Path tmp;

  @Test
  void eachClosedWindowIsEmittedOnceAcrossRestarts() throws Exception {
    scenario(tmp, SIGKILL_THE_QUERY);
  }

  @Test
  void eachClosedWindowIsEmittedOnceAcrossRestartsOnFlinkInProcess() throws Exception {
    scenario(tmp, SIGKILL_THE_QUERY, "--runner=FlinkRunner");
  }

  /** The scenario's crash, mid-stream: returns the query process that goes on. */
  interface Crash {
    QueryProcess crash(QueryProcess query, String[] args) throws Exception;

    /**
     * How many connections the line server has seen once run {@code run} (from 1) reads: a new
     * one per run where the receiver lives in the query's process.
     */
    default int connections(int run) {
      return run;
    }
  }

  /** The query's JVM SIGKILLed and started again. */
  static final Crash SIGKILL_THE_QUERY = (query, args) -> {
    query.kill();
    return QueryProcess.start(WindowedWordCount.class, args);
  };

  /**
   * Two-second windows, a one-second watermark delay, a 500 ms trigger: lines in three runs, a
   * graceful stop between the first two (with lines sent while down) and {@code crash} between the
   * last two, each run's receiver connecting anew; then the socket goes idle and the last window
   * must close without more input.
   */
  static void scenario(Path tmp, Crash crash, String... runnerArgs) throws Exception {
    List<String> lines = ZipfLines.generate(1_200, 50, 1.1, 3);
    Path location = tmp.resolve("windowed");
    Path output = tmp.resolve("out");
    try (LineServer server = LineServer.start(0)) {
      List<String> argList = new ArrayList<>(List.of(runnerArgs));
      argList.addAll(List.of("--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=" + TRIGGER_MS
          + " ms", "--windowDuration=2 seconds", "--watermarkDelay=" + DELAY_MS + " ms", "--sink=files",
          "--output=" + output));
      String[] args = argList.toArray(String[]::new);

      QueryProcess query = QueryProcess.start(WindowedWordCount.class, args);
      trickle(server, lines.subList(0, 400), query, crash.connections(1));
      query.stopGracefully(Duration.ofSeconds(90));
      if (crash.connections(2) > crash.connections(1)) {
        // The receiver left with the query's process: a line sent before the server noticed would go
        // into the dead connection, as with nc. (On a cluster it stays, in the TaskManager.)
        assertTrue(server.awaitNoClient(10, TimeUnit.SECONDS), "the server saw the stopped query leave");
      }

      server.sendAll(lines.subList(400, 500)); // while down: ingested after the restart
      query = QueryProcess.start(WindowedWordCount.class, args);
      trickle(server, lines.subList(500, 800), query, crash.connections(2));
      query = crash.crash(query, args);

      trickle(server, lines.subList(800, 1_200), query, crash.connections(3));
      server.send("the end");
      List<LogRecord> log = Locations.awaitCommittedThrough(location, "the end", query, Duration.ofSeconds(120));
      long lastWindowEnd = windowStart(log.get(log.size() - 1).timestampMs()) + WINDOW_MS;
      // The socket is idle from here: the watermark must still pass the last window's end. Event
      // time is ingestion time, so the window can close delay + a trigger after its end; the bound
      // adds 10 s for a loaded machine, and the time measured is printed.
      long bound = lastWindowEnd + DELAY_MS + TRIGGER_MS + 10_000 - System.currentTimeMillis();
      query.await("the watermark to close the last window", Duration.ofMillis(Math.max(bound, 0)),
          () -> emitted(output).containsKey((lastWindowEnd - WINDOW_MS) + "/end"));
      System.out.printf("the last window was written %d ms after its end (watermark delay %d ms, trigger %d ms)%n",
          System.currentTimeMillis() - lastWindowEnd, DELAY_MS, TRIGGER_MS);
      query.stopGracefully(Duration.ofSeconds(90));

      Map<String, Long> emitted = emitted(output);
      Map<String, Long> expected = windowedCounts(log);
      assertTrue(expected.keySet().stream().map(k -> k.split("/")[0]).distinct().count() >= 4, "the run spans several windows");
      assertEquals(expected, emitted, "each closed window once, with the counts of its lines in the receive log");
    }
  }

  /** The rows written so far, by window start and word; a window/word written twice fails. */
  private static Map<String, Long> emitted(Path output) throws Exception {
    Map<String, Long> emitted = new HashMap<>();
    if (!output.toFile().isDirectory()) {
      return emitted;
    }
    for (Map<String, Object> row : Locations.fileSinkRows(output, false)) {
      @SuppressWarnings("unchecked")
      Map<String, String> window = (Map<String, String>) row.get("window");
      String key = Instant.parse(window.get("start")).toEpochMilli() + "/" + row.get("word");
      assertNull(emitted.put(key, ((Number) row.get("count")).longValue()), "window/word emitted twice: " + key);
    }
    return emitted;
  }

  /**
   * Once the line server has seen {@code connections} connections, sends lines in small groups over
   * about three seconds, so their ingestion times spread across windows.
   */
  private static void trickle(LineServer server, List<String> lines, QueryProcess query, int connections)
      throws Exception {
    query.await("the receiver's connection " + connections, Duration.ofSeconds(120),
        () -> server.clientsAccepted() >= connections);
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
