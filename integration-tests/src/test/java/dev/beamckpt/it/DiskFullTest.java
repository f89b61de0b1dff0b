package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.source.log.FileReceiveLog;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.checkpoint.source.log.RequiredEnd;
import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.pipelines.WordCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint location on a real, small tmpfs that fills up while lines stream in. The query waits
 * with a clear message instead of dropping input: no line the server wrote is discarded, no partial
 * record stays in the log, and once the file system grows the query continues by itself; a restart
 * then resumes with exact counts. Needs root to mount the tmpfs (CI runs as root); skipped otherwise.
 */
class DiskFullTest {
  private static final int LINES = 3_000;
  private static final String END_MARKER = "end-of-stream-marker";
  @TempDir Path tmp;
  private Path mount;

  @AfterEach
  void unmount() throws Exception {
    if (mount != null) {
      run("umount", mount.toString());
    }
  }

  @Test
  void aFullDiskPausesTheQueryWithoutDiscardingALine() throws Exception {
    mount = Files.createDirectories(tmp.resolve("small"));
    Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()) == 0,
        "cannot mount a tmpfs here (not root)");
    Path location = mount.resolve("ckpt");
    Path output = tmp.resolve("out");
    // ~1 KB per line, ten distinct words: 3 MB of input into a 1 MB file system, little to count.
    List<String> lines = IntStream.range(0, LINES).mapToObj(i -> "w" + (i % 10) + "-" + "x".repeat(1000)).toList();
    String[] args = {"--checkpointLocation=" + location, "--trigger=500 ms", "--sink=files", "--output=" + output};
    try (LineServer server = LineServer.start(0)) {
      String[] withPort = withPort(args, server.port());
      QueryProcess query = QueryProcess.start(WordCount.class, withPort);
      server.sendAll(lines);
      query.await("the query to say the location is full", Duration.ofSeconds(120),
          () -> query.stderr().contains("No space left on device"));
      String err = query.stderr();
      assertTrue(err.contains(location.toString()), "the message names the location: " + err);
      assertTrue(err.contains("the query continues by itself") || err.contains("The query waits until space is freed"), err);
      FileReceiveLog.Extent whileFull = FileReceiveLog.check(LocalStorage.at(location), "sources/0", RequiredEnd.NONE);
      assertEquals(0, whileFull.tornTailBytes(), "no partial record stays in the log while the disk is full");
      assertTrue(whileFull.endOffset() < LINES, "the disk filled before every line was logged: " + whileFull);
      query.assertAlive();

      assertEquals(0, run("mount", "-o", "remount,size=64m", mount.toString()), "growing the tmpfs");
      server.send(END_MARKER);
      assertTrue(server.awaitSent(LINES + 1, 120, TimeUnit.SECONDS), "the query reads again once there is space");
      List<LogRecord> logged = Locations.awaitWordInOutput(location, output, END_MARKER, query, Duration.ofMinutes(3));
      assertTrue(query.stderr().contains("the receive log can be written again"), query.stderr());
      assertEquals(0, query.terminate(Duration.ofSeconds(60)), "a graceful stop (its stderr holds the full-disk error)");
      assertEquals(server.linesSent(), Locations.receiveLog(location).size(), "no line the server wrote was discarded");
      assertEquals(LINES + 1, logged.size());
      assertEquals(Locations.wordCounts(logged), Locations.countsOf(Locations.fileSinkRows(output, true)));

      server.send("after-restart");
      QueryProcess restarted = QueryProcess.start(WordCount.class, withPort);
      List<LogRecord> all = Locations.awaitWordInOutput(location, output, "after-restart", restarted, Duration.ofMinutes(3));
      restarted.stopGracefully(Duration.ofSeconds(60));
      Map<String, Long> expected = Locations.wordCounts(all);
      assertEquals(expected, Locations.countsOf(Locations.fileSinkRows(output, true)), "exact counts after the restart");
      assertEquals(LINES / 10, expected.get("w0-" + "x".repeat(1000)));
    }
  }

  private static String[] withPort(String[] args, int port) {
    String[] all = new String[args.length + 1];
    all[0] = "--port=" + port;
    System.arraycopy(args, 0, all, 1, args.length);
    return all;
  }

  private static int run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
  }
}
