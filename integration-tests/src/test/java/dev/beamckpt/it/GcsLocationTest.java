package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.LocationDescription;
import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.Storages;
import dev.beamckpt.checkpoint.storage.gcs.FakeGcsServer;
import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.pipelines.WordCount;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint locations on GCS, against a real fake-gcs-server process, with queries in their own JVMs. */
class GcsLocationTest {
  @TempDir Path tmp;
  private FakeGcsServer gcs;
  private String endpoint;

  @BeforeEach
  void startEmulator() throws Exception {
    gcs = FakeGcsServer.start(tmp.resolve("gcs"));
    gcs.createBucket("ckpt");
    endpoint = "--gcsEndpoint=" + gcs.endpoint();
  }

  @AfterEach
  void stopEmulator() throws Exception {
    gcs.close();
  }

  private PipelineOptions options() {
    return PipelineOptionsFactory.fromArgs(endpoint).create();
  }

  /** The seed's scenario with {@code --checkpointLocation=gs://…}; describe reads the location from GCS. */
  @Test
  void countsContinueAfterStopAndRestart() throws Exception {
    String location = "gs://ckpt/checkpoints/word_count";
    SeedScenarioTest.seedScenario(location, endpoint);
    String described = LocationDescription.describe(location, options());
    assertTrue(described.contains("Checkpoint location:   gs://ckpt/checkpoints/word_count\n"), described);
    assertTrue(described.contains("Retained batches:      1..2 (2 offsets, 2 commits)"), described);
    assertTrue(described.contains("In use:                no\n"), described);
    assertEquals(2L, Storages.forLocation(location, options()).list("sources/0").stream().filter(n -> n.endsWith(".log")).count(),
        "one sealed segment per run: a segment is sealed when its query stops");
  }

  /**
   * The same on Flink in-process: checkpoints and the stop's savepoint go to the bucket through
   * Flink's GCS filesystem (the 1.20 plugin with its two flink-core 1.20 classes), and the restart
   * restores the savepoint from there.
   */
  @Test
  void countsContinueAfterStopAndRestartOnFlink() throws Exception {
    String location = "gs://ckpt/checkpoints/word_count_flink";
    SeedScenarioTest.seedScenario(location, "--runner=FlinkRunner", endpoint);
    String described = LocationDescription.describe(location, options());
    assertTrue(described.contains("                       state/savepoints/savepoint-"), described);
    assertTrue(described.contains("runs/1: FlinkRunner") && described.contains("resumed after batch 1 from"
        + " state/savepoints/savepoint-"), described);
  }

  /**
   * Exactly one query runs on a location: a second fails naming the first; once the first is
   * SIGKILLed, the next takes its lease over (after the lease timeout) and continues the counts.
   */
  @Test
  void oneQueryPerLocationAndALeaseTakenOverAfterSigkill() throws Exception {
    String location = "gs://ckpt/shared";
    try (LineServer server = LineServer.start(0)) {
      String[] args = {"--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=1 second", endpoint,
          "--locationLeaseSeconds=3"};
      QueryProcess first = QueryProcess.start(WordCount.class, args);
      server.send("hello world");
      first.awaitStdout(s -> !QueryProcess.batches(s).isEmpty(), Duration.ofSeconds(90), "batch 1");

      QueryProcess second = QueryProcess.start(WordCount.class, args);
      int code = second.awaitExit(Duration.ofSeconds(60));
      assertNotEquals(0, code);
      assertTrue(second.stderr().contains("Checkpoint location " + location + " is in use by another query (query"
          + " 'wordcount', process " + first.pid() + "@"), second.stderr());
      first.assertAlive();

      first.kill();
      assertTrue(server.awaitNoClient(10, java.util.concurrent.TimeUnit.SECONDS), "the server saw the killed query leave");
      server.send("hello again");
      QueryProcess third = QueryProcess.start(WordCount.class, args);
      third.awaitStdout(s -> !QueryProcess.batches(s).isEmpty(), Duration.ofSeconds(90), "a batch after the takeover");
      assertTrue(third.stderr().contains("took over the lease of query 'wordcount', process " + first.pid() + "@"),
          third.stderr());
      assertEquals(List.of("hello=2", "again=1", "world=1"), QueryProcess.batches(third.stdout()).get(0).rows());
      third.stopGracefully(Duration.ofSeconds(60));
    }
  }

  /**
   * The emulator stops for 10 s while lines arrive, then starts again with its objects: the query
   * rides it out or fails with a message naming the location; after a restart the counts equal
   * the counts of every line in the receive log, none twice.
   */
  @Test
  void aStorageOutageMidStreamLosesNothingCommitted() throws Exception {
    String location = "gs://ckpt/outage";
    Path output = tmp.resolve("out");
    CheckpointStorage storage = Storages.forLocation(location, options());
    try (LineServer server = LineServer.start(0)) {
      String[] args = {"--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=500 ms", endpoint,
          "--sink=files", "--output=" + output};
      QueryProcess query = QueryProcess.start(WordCount.class, args);
      List<String> sent = new ArrayList<>();
      int n = 0;
      for (; n < 20; n++) {
        sent.add("before outage " + n);
        server.send(sent.get(sent.size() - 1));
      }
      Locations.awaitWordInOutput(storage, output, "before", query, Duration.ofSeconds(90));

      gcs.stop();
      long outageEnds = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < outageEnds) {
        sent.add("during outage " + n++);
        server.send(sent.get(sent.size() - 1));
        Thread.sleep(200);
      }
      gcs.start();
      for (int i = 0; i < 20; i++) {
        sent.add("after outage " + n++);
        server.send(sent.get(sent.size() - 1));
      }
      boolean survived;
      String failure = "";
      try {
        query.await("the output to count 'after'", Duration.ofSeconds(90),
            () -> java.nio.file.Files.isDirectory(output)
                && Locations.countsOf(Locations.fileSinkRows(output, true)).containsKey("after"));
        survived = true;
      } catch (AssertionError failed) {
        survived = false;
        failure = failed.getMessage();
        assertNotEquals(0, query.awaitExit(Duration.ofSeconds(60)), failure);
        assertTrue(query.stderr().contains("Error: ") && query.stderr().contains(location),
            "a failure names the location:\n" + failure);
      }
      if (survived) {
        assertEquals(0, query.terminate(Duration.ofSeconds(60)), "a query that rode out the outage stops cleanly:\n"
            + query.stderr());
      }
      System.out.println("[gcs outage of 10 s] the query " + (survived ? "rode it out:\n" + query.stderr()
          : "failed cleanly:\n" + failure));

      server.send("end-of-stream-marker");
      QueryProcess restarted = QueryProcess.start(WordCount.class, args);
      List<LogRecord> log = Locations.awaitWordInOutput(storage, output, "end-of-stream-marker", restarted,
          Duration.ofSeconds(120));
      restarted.stopGracefully(Duration.ofSeconds(60));
      Map<String, Long> expected = Locations.wordCounts(log);
      assertEquals(expected, Locations.countsOf(Locations.fileSinkRows(output, true)),
          "final counts equal the counts of every line in the receive log");
      assertEquals(log.stream().map(LogRecord::line).distinct().count(), log.size(), "no line twice in the log");
      System.out.println("[gcs outage of 10 s] " + sent.size() + " lines sent, " + (log.size() - 1) + " in the log");
    }
  }
}
