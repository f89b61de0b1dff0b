package dev.beamckpt.it;

import dev.beamckpt.io.socket.ZipfLines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.pipelines.WordCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On Flink the receive log is trimmed below the oldest retained checkpoint: with small segments,
 * early segments disappear while the query runs, a restart still resumes exactly, and the
 * DirectRunner, which would need the whole log, refuses the location with what to do.
 */
class ReceiveLogRetentionTest {
  private static final String END_MARKER = "end-of-stream-marker";
  @TempDir Path tmp;

  @Test
  void flinkTrimsTheLogBelowItsOldestCheckpointAndStillResumesExactly() throws Exception {
    Path location = tmp.resolve("ckpt");
    Path output = tmp.resolve("out");
    Path firstSegment = location.resolve("sources/0/00000000000000000000.log");
    List<String> lines = ZipfLines.generate(12_000, 500, 1.1, 7);
    try (LineServer server = LineServer.start(0)) {
      String[] args = {"--runner=FlinkRunner", "--port=" + server.port(), "--checkpointLocation=" + location,
          "--trigger=1 second", "--retainedCheckpoints=2", "--receiveLogSegmentBytes=4096", "--sink=files",
          "--output=" + output};
      QueryProcess query = QueryProcess.start(WordCount.class, args);
      List<String> sent = new ArrayList<>();
      int chunk = 100;
      for (int i = 0; i < 8_000; i += chunk) {
        List<String> part = lines.subList(i, i + chunk);
        server.sendAll(part);
        sent.addAll(part);
        Thread.sleep(100);
      }
      // Trimming follows finalized checkpoints, which follow reading: keep lines coming meanwhile.
      query.await("the first log segment to be trimmed", Duration.ofSeconds(90), () -> {
        server.sendAll(List.of("keep going"));
        sent.add("keep going");
        Thread.sleep(200);
        return !Files.exists(firstSegment);
      });
      server.send(END_MARKER);
      sent.add(END_MARKER);
      assertTrue(server.awaitSent(sent.size(), 60, TimeUnit.SECONDS));
      Locations.awaitWordInOutput(location, output, END_MARKER, query, Duration.ofSeconds(90));
      query.stopGracefully(Duration.ofSeconds(60));
      long start = firstRetainedOffset(location);
      assertTrue(start > 0, "the log starts above record 0 once trimmed");

      List<String> more = lines.subList(8_000, 12_000);
      server.sendAll(more);
      sent.addAll(more);
      server.send("second-marker");
      sent.add("second-marker");
      QueryProcess second = QueryProcess.start(WordCount.class, args);
      Locations.awaitWordInOutput(location, output, "second-marker", second, Duration.ofSeconds(120));
      second.stopGracefully(Duration.ofSeconds(60));
      assertEquals(Locations.wordCounts(records(sent)), Locations.countsOf(Locations.fileSinkRows(output, true)),
          "every line sent is counted once, though the log no longer holds the early ones");

      QueryProcess direct = QueryProcess.start(WordCount.class, "--port=" + server.port(),
          "--checkpointLocation=" + location, "--trigger=1 second");
      assertEquals(2, direct.awaitExit(Duration.ofSeconds(60)), direct.stderr());
      assertTrue(direct.stderr().contains("a Flink run trimmed it below its oldest checkpoint")
          && direct.stderr().contains("--keepReceiveLog=true"), direct.stderr());
    }
  }

  private static long firstRetainedOffset(Path location) throws Exception {
    return Locations.receiveLog(location).get(0).offset();
  }

  private static List<LogRecord> records(List<String> lines) {
    List<LogRecord> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      out.add(new LogRecord(i, 0, lines.get(i)));
    }
    return out;
  }
}
