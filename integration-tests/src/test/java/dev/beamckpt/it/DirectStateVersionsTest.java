package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.LocationDescription;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the DirectRunner a restart loads the newest state version from the location's state/ and
 * replays only the batches after it. The versions before the retained ones are deleted and the
 * receive log trimmed below them, so a restart could not replay the whole log even if it tried:
 * the counts after each restart prove the state came back. Then the newest delta is torn and the
 * newest snapshot flipped, as a crash or a bad disk might leave them: each restart names the file,
 * goes back a version, replays the batches after it, and the counts stay exact.
 */
class DirectStateVersionsTest {
  @TempDir Path tmp;

  @Test
  void restartsLoadTheNewestStateVersionAndSurviveDamagedVersionFiles() throws Exception {
    Path location = tmp.resolve("ckpt");
    Path output = tmp.resolve("out");
    List<String> sent = new ArrayList<>();
    try (LineServer server = LineServer.start(0)) {
      String[] args = {"--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=200 ms",
          "--outputMode=update", "--sink=files", "--output=" + output, "--minBatchesToRetain=5",
          "--receiveLogSegmentBytes=4096"};

      QueryProcess first = QueryProcess.start(WordCount.class, args);
      List<String> lines = ZipfLines.generate(3_000, 300, 1.1, 11);
      for (int i = 0; i < lines.size(); i += 75) { // 40 groups, each counted before the next: 40 batches or more
        List<String> group = lines.subList(i, Math.min(lines.size(), i + 75));
        server.sendAll(group);
        sent.addAll(group);
        awaitCounts(first, server, output, sent);
      }
      // trimming follows the runner's finalized reads, which go on while the query idles
      first.await("the receive log trimmed below the oldest kept state version", Duration.ofSeconds(30),
          () -> Locations.receiveLog(location).get(0).offset() > 0);
      Path versions = location.resolve("state/0/0");
      if (Files.exists(versions.resolve(version(newest(versions, ".delta")) + ".snapshot"))) {
        // the newest version is a snapshot, which makes its delta unneeded: one more batch, one more delta
        sendAndAwait(first, server, output, sent, "one more batch");
      }
      first.kill();

      List<String> stateFiles = list(location.resolve("state/0/0"));
      assertFalse(stateFiles.contains("1.delta"), "versions before the retained ones are deleted: " + stateFiles);
      assertTrue(stateFiles.stream().anyMatch(f -> f.endsWith(".snapshot")), stateFiles.toString());
      String described = LocationDescription.describe(location.toString());
      assertTrue(described.contains("State versions:") && described.contains("state/0/0: snapshots ")
          && described.contains("on the DirectRunner the next run restores state version "), described);

      // a torn newest delta (as a crash mid-write on a store without atomic writes would leave it),
      // of a version without a snapshot: the restart needs it
      Path delta = newest(versions, ".delta");
      assertFalse(Files.exists(versions.resolve(version(delta) + ".snapshot")), delta.toString());
      Files.write(delta, java.util.Arrays.copyOf(Files.readAllBytes(delta), 10));
      QueryProcess second = QueryProcess.start(WordCount.class, args);
      sendAndAwait(second, server, output, sent, "after the torn delta");
      assertTrue(second.stderr().contains("State file " + delta + " is unreadable: the file is truncated"),
          second.stderr());
      second.kill();

      // a flipped byte in the newest snapshot
      Path snapshot = newest(location.resolve("state/0/0"), ".snapshot");
      byte[] bytes = Files.readAllBytes(snapshot);
      bytes[bytes.length / 2] ^= 0x01;
      Files.write(snapshot, bytes);
      QueryProcess third = QueryProcess.start(WordCount.class, args);
      sendAndAwait(third, server, output, sent, "after the flipped snapshot");
      assertTrue(third.stderr().contains("State file " + snapshot + " is unreadable"), third.stderr());
      third.stopGracefully(Duration.ofSeconds(60));
    }
  }

  /** Sends one line and waits for the sink to count every line sent so far. */
  private static void sendAndAwait(QueryProcess query, LineServer server, Path output, List<String> sent, String what)
      throws Exception {
    String line = "restart " + what.replace(' ', '-');
    server.send(line);
    sent.add(line);
    awaitCounts(query, server, output, sent);
  }

  private static void awaitCounts(QueryProcess query, LineServer server, Path output, List<String> sent) throws Exception {
    assertTrue(server.awaitSent(sent.size(), 60, TimeUnit.SECONDS), "the server could not deliver every line");
    Map<String, Long> expected = Locations.wordCountsOfLines(sent);
    query.await("the sink to count all " + sent.size() + " lines sent", Duration.ofSeconds(90),
        () -> Files.isDirectory(output) && Locations.countsOf(Locations.fileSinkRows(output, false)).equals(expected));
    // and the batch that showed them committed (its state version too): the kills land between batches
    Path location = output.resolveSibling("ckpt");
    query.await("no batch in flight", Duration.ofSeconds(30), () -> Locations.latest(location.resolve("commits"))
        .equals(Locations.latest(location.resolve("offsets"))));
    assertEquals(expected, Locations.countsOf(Locations.fileSinkRows(output, false)), "each line counted once");
  }

  private static Path newest(Path dir, String suffix) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix))
          .max((a, b) -> Long.compare(version(a), version(b))).orElseThrow();
    }
  }

  private static long version(Path file) {
    String name = file.getFileName().toString();
    return Long.parseLong(name.substring(0, name.indexOf('.')));
  }

  private static List<String> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
