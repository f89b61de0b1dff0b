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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping a query, as a user does, at any moment: Ctrl+C (SIGINT) or SIGTERM while lines stream
 * in, during a long batch, while a Flink job is still being submitted, deployed or restored. Every
 * stop ends the process within a bound with exit 0 and no error or stack trace, and loses no line
 * the server wrote: the receive log holds exactly what the server sent.
 */
class GracefulStopTest {
  private static final Duration STOP_BOUND = Duration.ofSeconds(60);
  private static final String END_MARKER = "end-of-stream-marker";
  private static final List<String> FLINK_INFO = List.of("-Dorg.slf4j.simpleLogger.log.dev.beamckpt=info");
  @TempDir Path tmp;

  @Test
  void ctrlCWhileLinesStreamLosesNoneOnDirect() throws Exception {
    stopsWhileStreaming(200, List.of());
  }

  @Test
  void ctrlCAndSigtermWhileLinesStreamLoseNoneOnFlink() throws Exception {
    stopsWhileStreaming(1_000, List.of("--runner=FlinkRunner"));
  }

  /** Two stops mid-stream (SIGINT, then SIGTERM), each compared line for line; then the counts. */
  private void stopsWhileStreaming(int linesPerSecond, List<String> runnerArgs) throws Exception {
    Path location = tmp.resolve("ckpt");
    Path output = tmp.resolve("out");
    try (LineServer server = LineServer.start(0); Feeder feeder = new Feeder(server, linesPerSecond)) {
      String[] args = args(runnerArgs, "--port=" + server.port(), "--checkpointLocation=" + location,
          "--trigger=500 ms", "--sink=files", "--output=" + output);
      for (boolean sigint : new boolean[] {true, false}) {
        QueryProcess query = QueryProcess.start(WordCount.class, args);
        long before = Locations.latest(location.resolve("commits")).orElse(0L);
        query.await("a commit while lines stream", Duration.ofSeconds(120),
            () -> Locations.latest(location.resolve("commits")).orElse(0L) > before + 1);
        if (sigint) {
          query.interrupt();
          query.assertStoppedCleanly(STOP_BOUND);
        } else {
          query.stopGracefully(STOP_BOUND);
        }
        long logged = Locations.receiveLog(location).size();
        System.out.printf("[graceful stop, %s, %s] server wrote %d lines, the log holds %d%n",
            runnerArgs.isEmpty() ? "Direct" : "Flink", sigint ? "SIGINT" : "SIGTERM", server.linesSent(), logged);
        assertEquals(server.linesSent(), logged, "a graceful stop keeps every line the server wrote");
      }
      feeder.close();
      server.send(END_MARKER);
      QueryProcess last = QueryProcess.start(WordCount.class, args);
      List<LogRecord> log = Locations.awaitWordInOutput(location, output, END_MARKER, last, Duration.ofMinutes(4));
      last.stopGracefully(STOP_BOUND);
      assertEquals(server.linesSent(), log.size());
      assertEquals(Locations.wordCounts(log), Locations.countsOf(Locations.fileSinkRows(output, true)));
    }
  }

  /**
   * Ctrl+C while the DirectRunner still works on a batch of 6,000 lines: the stop abandons the
   * batch after its grace period without calling that a failure, and the restart runs it again.
   */
  @Test
  void ctrlCDuringALongBatchIsAStopNotAFailure() throws Exception {
    Path location = tmp.resolve("ckpt");
    Path output = tmp.resolve("out");
    try (LineServer server = LineServer.start(0)) {
      server.sendAll(ZipfLines.generate(6_000, 1_000, 1.1, 42));
      String[] args = {"--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=1 second",
          "--sink=files", "--output=" + output};
      QueryProcess query = QueryProcess.start(WordCount.class, args);
      query.await("batch 1 to be planned", Duration.ofSeconds(120), () -> Files.exists(location.resolve("offsets/1")));
      query.interrupt();
      query.assertStoppedCleanly(STOP_BOUND);
      assertTrue(query.stderr().contains("Stopping query 'wordcount'"), query.stderr());

      server.send(END_MARKER);
      QueryProcess again = QueryProcess.start(WordCount.class, args);
      List<LogRecord> log = Locations.awaitWordInOutput(location, output, END_MARKER, again, Duration.ofMinutes(4));
      again.stopGracefully(STOP_BOUND);
      assertEquals(6_001, log.size());
      assertEquals(Locations.wordCounts(log), Locations.countsOf(Locations.fileSinkRows(output, true)));
    }
  }

  /**
   * Ctrl+C at each moment of a Flink query's start, on one location: while its job is submitted
   * (fresh), once it runs, and while it restores from the savepoint that stop left (twice in a
   * row). Each exits within the bound, cleanly; the last run's counts are exact.
   */
  @Test
  void ctrlCAtEveryMomentOfAFlinkStartEndsTheQueryWithinTheBound() throws Exception {
    Path location = tmp.resolve("ckpt");
    Path output = tmp.resolve("out");
    try (LineServer server = LineServer.start(0); Feeder feeder = new Feeder(server, 200)) {
      String[] args = {"--runner=FlinkRunner", "--port=" + server.port(), "--checkpointLocation=" + location,
          "--trigger=500 ms", "--sink=files", "--output=" + output};
      // fresh while submitting; fresh once it runs and has committed (its stop leaves a savepoint); then restoring it, twice
      String[] moments = {"submitting its Flink job", "Batch 1 committed", "to restore", "to restore"};
      for (String moment : moments) {
        QueryProcess query = QueryProcess.start(FLINK_INFO, null, WordCount.class, args);
        query.await("'" + moment + "'", Duration.ofSeconds(120), () -> query.stderr().contains(moment));
        long signalled = System.nanoTime();
        query.interrupt();
        query.assertStoppedCleanly(STOP_BOUND);
        System.out.printf("[Flink start, Ctrl+C at '%s'] exited %d ms after the signal%n", moment,
            (System.nanoTime() - signalled) / 1_000_000);
      }
      feeder.close();
      server.send(END_MARKER);
      QueryProcess last = QueryProcess.start(WordCount.class, args);
      List<LogRecord> log = Locations.awaitWordInOutput(location, output, END_MARKER, last, Duration.ofMinutes(3));
      last.stopGracefully(STOP_BOUND);
      assertEquals(server.linesSent(), log.size(), "no stop lost a line");
      assertEquals(Locations.wordCounts(log), Locations.countsOf(Locations.fileSinkRows(output, true)));
    }
  }

  /** A server that goes away and comes back is announced on stderr, once each way. */
  @Test
  void aLostConnectionAndItsReturnAreShownOnStderr() throws Exception {
    Path location = tmp.resolve("ckpt");
    LineServer server = LineServer.start(0);
    int port = server.port();
    QueryProcess query = QueryProcess.start(WordCount.class, "--port=" + port, "--checkpointLocation=" + location,
        "--trigger=500 ms");
    try {
      server.send("hello");
      query.awaitStdout(s -> !QueryProcess.batches(s).isEmpty(), Duration.ofSeconds(90), "batch 1");
      server.close();
      query.await("the lost connection on stderr", Duration.ofSeconds(30),
          () -> query.stderr().contains("Source 0: lost the connection to localhost:" + port));
      server = LineServer.start(port);
      server.send("hello again");
      LineServer back = server;
      query.await("the connection back on stderr", Duration.ofSeconds(30),
          () -> query.stderr().contains("Source 0: connected to localhost:" + port + " again after") && back.linesSent() == 1);
      query.stopGracefully(STOP_BOUND);
    } finally {
      server.close();
      query.close();
    }
  }

  private static String[] args(List<String> first, String... rest) {
    List<String> all = new ArrayList<>(first);
    all.addAll(List.of(rest));
    return all.toArray(String[]::new);
  }

  /** Queues Zipf lines at a steady rate while a test stops and starts queries. */
  private static final class Feeder implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Feeder(LineServer server, int linesPerSecond) {
      List<String> lines = ZipfLines.generate(100_000, 200, 1.1, 7);
      int chunk = Math.max(1, linesPerSecond / 20);
      thread = new Thread(() -> {
        for (int i = 0; running.get(); i = (i + chunk) % (lines.size() - chunk)) {
          if (server.linesQueued() < 5 * linesPerSecond) { // the server holds lines while no query is connected
            server.sendAll(lines.subList(i, i + chunk));
          }
          try {
            TimeUnit.MILLISECONDS.sleep(50);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "feeder");
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }
}
