package dev.beamckpt.io.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The line server keeps a line sent after its client left for the next client, as nc does. */
class LineServerTest {
  @Test
  void aLineSentOnceTheServerSawTheClientLeaveGoesToTheNextClient() throws Exception {
    try (LineServer server = LineServer.start(0)) {
      assertTrue(server.awaitNoClient(1, TimeUnit.SECONDS), "no client yet");
      Socket first = new Socket(InetAddress.getLoopbackAddress(), server.port());
      server.send("to the first");
      BufferedReader in = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("to the first", in.readLine());
      assertFalse(server.awaitNoClient(200, TimeUnit.MILLISECONDS), "the first client is connected");

      first.close();
      assertTrue(server.awaitNoClient(10, TimeUnit.SECONDS));
      server.send("typed while no one listens");
      try (Socket second = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
        BufferedReader next = new BufferedReader(new InputStreamReader(second.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("typed while no one listens", next.readLine());
      }
    }
  }
}
