package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamckpt.pipelines.WordCount;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input on the socket (issue 18, part 5), to a word count in a JVM with a 256 MB heap:
 * <ul>
 *   <li>a server that accepts and resets the connection three times before it serves;
 *   <li>then one that accepts and sends nothing for a while;
 *   <li>then binary noise with NUL bytes and invalid UTF-8;
 *   <li>then CRLF line ends, a NUL inside a word, a word with an invalid byte;
 *   <li>then a 300 MB line without a newline, more than the heap holds;
 *   <li>then ordinary lines.
 * </ul>
 * The stream goes on: the ordinary lines after are counted exactly. The long line is skipped
 * without being held: a JVM that buffered it would run out of memory. The source's metrics count
 * the resets, the replaced bytes and the skipped line.
 */
class HostileSocketInputTest {
  private static final long LONG_LINE_BYTES = 300L << 20;
  @TempDir Path tmp;

  @Test
  void theStreamGoesOnAndMemoryStaysBounded() throws Exception {
    CountDownLatch served = new CountDownLatch(1);
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread feeder = new Thread(() -> feed(server, served), "hostile-server");
      feeder.setDaemon(true);
      feeder.start();
      Path location = tmp.resolve("ckpt");
      Path output = tmp.resolve("out");
      QueryProcess query = QueryProcess.start(List.of("-Xmx256m"), null, WordCount.class, "--port=" + server.getLocalPort(),
          "--checkpointLocation=" + location, "--trigger=500 ms", "--sink=files", "--output=" + output, "--printProgress");
      assertTrue(served.await(5, TimeUnit.MINUTES), "the hostile server fed everything");
      Locations.awaitWordInOutput(location, output, "end-of-hostile-input", query, Duration.ofMinutes(3));
      query.assertAlive();

      Map<String, Long> counts = Locations.countsOf(Locations.fileSinkRows(output, true));
      assertEquals(1L, counts.get("crlf1"), "a CR before the newline is not part of the word");
      assertEquals(1L, counts.get("crlf2"));
      assertEquals(1L, counts.get("nul\u0000inside"), "a NUL byte is a character like any other");
      assertEquals(1L, counts.get("bad\uFFFD(utf"), "an invalid byte becomes U+FFFD");
      assertEquals(2L, counts.get("after1"), "the lines after the 300 MB line are counted");
      assertEquals(1L, counts.get("after2"));
      assertFalse(counts.keySet().stream().anyMatch(w -> w.length() > 1_000_000), "the long line was skipped");
      assertFalse(counts.keySet().stream().anyMatch(w -> w.endsWith("after1") && w.length() > 6),
          "the skipped line's tail did not join the next line");

      JsonNode metrics = query.lastProgress().path("sources").get(0).path("metrics");
      assertTrue(metrics.path("reconnects").asLong() >= 3, metrics.toString());
      assertTrue(metrics.path("malformedLines").asLong() >= 1, metrics.toString());
      assertEquals(1, metrics.path("overlongLines").asLong(), metrics.toString());
      assertTrue(metrics.path("bytesReceived").asLong() > LONG_LINE_BYTES, metrics.toString());
      System.out.println("[hostile socket input] 3 resets, noise, CRLF, NUL, invalid UTF-8 and a 300 MB line to a"
          + " 256 MB JVM: the stream went on; source metrics " + metrics);
      query.stopGracefully(Duration.ofSeconds(60));
    }
  }

  /** Resets three connections, then serves the hostile stream on the fourth and keeps it open. */
  private static void feed(ServerSocket server, CountDownLatch served) {
    try {
      for (int i = 0; i < 3; i++) {
        Socket reset = server.accept();
        reset.setSoLinger(true, 0); // close with RST
        reset.close();
      }
      Socket client = server.accept();
      Thread.sleep(1500); // accepted, silent
      OutputStream out = client.getOutputStream();
      byte[] noise = new byte[64 << 10];
      new Random(18).nextBytes(noise);
      out.write(noise);
      out.write("\ncrlf1 crlf2\r\n".getBytes(StandardCharsets.UTF_8));
      out.write("nul\u0000inside\n".getBytes(StandardCharsets.UTF_8));
      out.write(new byte[] {'b', 'a', 'd', (byte) 0xC3, '(', 'u', 't', 'f', '\n'});
      byte[] x = new byte[1 << 20];
      Arrays.fill(x, (byte) 'x');
      for (long sent = 0; sent < LONG_LINE_BYTES; sent += x.length) {
        out.write(x);
      }
      out.write("\nafter1 after2 after1\nend-of-hostile-input\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      served.countDown();
      Thread.sleep(Long.MAX_VALUE); // keep the connection open: the query stops on its own terms
    } catch (IOException | InterruptedException e) {
      // the test ended
    }
  }
}
