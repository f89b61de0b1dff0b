package dev.beamckpt.it;

import dev.beamckpt.io.socket.ZipfLines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.pipelines.WordCount;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's own setup: {@code nc -lk} as the server, lines typed into its standard input, the
 * query stopped gracefully and restarted while more lines are typed. Nothing is lost or counted
 * twice, and batch ids continue across the restart.
 */
class NetcatTest {
  @TempDir Path tmp;

  @Test
  void gracefulStopAndRestartWithNcLosesNothing() throws Exception {
    List<String> lines = ZipfLines.generate(900, 200, 1.1, 7);
    Path location = tmp.resolve("word_count");
    Path output = tmp.resolve("out");
    int port = freeLoopbackPort();
    Process nc = startNc(port);
    List<String> typed = new ArrayList<>();
    try (OutputStream keyboard = nc.getOutputStream()) {
      String[] args = {"--host=127.0.0.1", "--port=" + port, "--checkpointLocation=" + location,
          "--trigger=500 ms", "--sink=files", "--output=" + output};

      QueryProcess first = QueryProcess.start(WordCount.class, args);
      type(keyboard, typed, lines.subList(0, 300), "marker one");
      Locations.awaitCommittedThrough(location, "marker one", first, Duration.ofSeconds(90));
      long firstLastBatch = Locations.lastCommitted(location).orElseThrow().batchId();
      first.stopGracefully(Duration.ofSeconds(60));

      type(keyboard, typed, lines.subList(300, 600), "marker two"); // while the query is down; nc keeps them

      QueryProcess second = QueryProcess.start(WordCount.class, args);
      Locations.awaitCommittedThrough(location, "marker two", second, Duration.ofSeconds(90));
      type(keyboard, typed, lines.subList(600, 900), "marker three");
      List<LogRecord> log = Locations.awaitCommittedThrough(location, "marker three", second, Duration.ofSeconds(90));
      second.stopGracefully(Duration.ofSeconds(60));

      assertEquals(typed, log.stream().map(LogRecord::line).toList(), "every typed line in the log once, in order");
      assertEquals(Locations.wordCounts(log), Locations.countsOf(Locations.fileSinkRows(output, true)));
      assertTrue(Locations.fileSinkRows(output, false).size() > 0);
      assertTrue(output.resolve(String.format("part-%05d.jsonl", firstLastBatch + 1)).toFile().exists(),
          "the restarted query continues with batch " + (firstLastBatch + 1));
    } finally {
      nc.destroyForcibly();
      nc.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void type(OutputStream keyboard, List<String> typed, List<String> lines, String marker) throws IOException {
    for (String line : lines) {
      keyboard.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      typed.add(line);
    }
    keyboard.write((marker + "\n").getBytes(StandardCharsets.UTF_8));
    keyboard.flush();
    typed.add(marker);
  }

  private static Process startNc(int port) throws IOException {
    try {
      return new ProcessBuilder("nc", "-lk", "127.0.0.1", String.valueOf(port))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      throw new IOException("This test needs nc -lk: install netcat-openbsd (apt-get install netcat-openbsd). " + e.getMessage(), e);
    }
  }

  /** A loopback port free right now; nc binds it next, and the query retries until it listens. */
  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
