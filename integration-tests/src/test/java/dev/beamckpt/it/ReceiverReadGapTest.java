package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.storage.LocalStorage;
import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.io.socket.ZipfLines;
import dev.beamckpt.pipelines.WordCount;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long the socket receiver goes without reading while lines keep coming, under load: 5,000
 * lines a second through a first run, a Ctrl+C, and a restart that recovers while the backlog
 * queued during the restart pours in. Each run reports {@code longestReadGapMs}, the longest time
 * between a read that returned data and the next read (decoding and logging one chunk); the test
 * prints it for the user guide's fault table. The oracle checks the counts as for the kill tests.
 */
class ReceiverReadGapTest {
  private static final int LINES_PER_SECOND = 5_000;
  @TempDir Path tmp;

  @Test
  void directRunner() throws Exception {
    measure("DirectRunner");
  }

  @Test
  void flinkInProcess() throws Exception {
    measure("Flink in-process", "--runner=FlinkRunner");
  }

  private void measure(String name, String... runnerArgs) throws Exception {
    Path location = tmp.resolve("ckpt");
    Path output = tmp.resolve("out");
    List<String> lines = ZipfLines.generate(60 * LINES_PER_SECOND, 2_000, 1.1, 42);
    try (LineServer server = LineServer.start(0)) {
      List<String> args = new ArrayList<>(List.of(runnerArgs));
      args.addAll(List.of("--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=200 ms",
          "--sink=files", "--output=" + output, "--printProgress"));
      String[] argv = args.toArray(String[]::new);
      PacedSender sender = new PacedSender(server, lines, LINES_PER_SECOND);
      QueryProcess first = QueryProcess.start(WordCount.class, argv);
      sender.start();
      KillOracle.awaitCommitSince(0, LocalStorage.at(location), first);
      Thread.sleep(10_000);
      first.interrupt();
      first.assertStoppedCleanly(Duration.ofSeconds(90));
      long firstGap = first.lastProgress().path("sources").get(0).path("metrics").path("longestReadGapMs").asLong(-1);

      QueryProcess second = QueryProcess.start(WordCount.class, argv);
      Thread.sleep(10_000);
      sender.stop();
      long lost = KillOracle.finishAndCheck(server, lines, sender.sent(), LocalStorage.at(location), output, second);
      long secondGap = second.lastProgress().path("sources").get(0).path("metrics").path("longestReadGapMs").asLong(-1);
      System.out.printf("[receiver read gap] %s at %,d lines/s: the longest time without reading was %d ms in the"
          + " first run and %d ms in the restarted one (which recovered while the backlog arrived); %,d lines sent,"
          + " %d lost%n", name, LINES_PER_SECOND, firstGap, secondGap, sender.sent(), lost);
      assertTrue(firstGap >= 0 && secondGap >= 0, "both runs report longestReadGapMs");
    }
  }
}
