package dev.beamckpt.io.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.io.socket.log.LogRecord;
import dev.beamckpt.io.socket.log.MemoryReceiveLog;
import dev.beamckpt.io.socket.log.ReceiveLog;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The receiver against a real loopback server that writes raw bytes. */
class LineReceiverTest {
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  @Test
  void malformedUtf8BecomesReplacementCharactersAndTheStreamGoesOn() throws Exception {
    ServerSocket server = server(0);
    LineReceiver receiver = receiver(server.getLocalPort(), 1024, OverlongLinePolicy.SKIP);
    try (Socket client = server.accept(); OutputStream out = client.getOutputStream()) {
      out.write("ok\r\n".getBytes(StandardCharsets.UTF_8));
      out.write(new byte[] {'h', (byte) 0xC3, '(', '\n'});
      out.write("after\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      eventually(() -> receiver.log().endOffset() == 3);
    }
    assertEquals(List.of("ok", "h\uFFFD(", "after"), lines(receiver.log()));
    assertEquals(1L, receiver.metrics().get("malformedLines"));
  }

  @Test
  void overlongLinesAreSkippedOrTruncatedByPolicy() throws Exception {
    assertEquals(List.of("short", "next"), receiveLongLine(OverlongLinePolicy.SKIP));
    assertEquals(List.of("short", "01234567", "next"), receiveLongLine(OverlongLinePolicy.TRUNCATE));
  }

  private List<String> receiveLongLine(OverlongLinePolicy policy) throws Exception {
    ServerSocket server = server(0);
    LineReceiver receiver = receiver(server.getLocalPort(), 8, policy);
    try (Socket client = server.accept(); OutputStream out = client.getOutputStream()) {
      out.write("short\n0123456789abcdef\nnext\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      eventually(() -> lines(receiver.log()).contains("next"));
    }
    assertEquals(1L, receiver.metrics().get("overlongLines"));
    return lines(receiver.log());
  }

  @Test
  void reconnectsWithBackoffAndSaysSoInItsStatus() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    LineReceiver receiver = receiver(port, 1024, OverlongLinePolicy.SKIP);
    eventually(() -> receiver.metrics().get("reconnects") >= 2);
    assertTrue(receiver.status().startsWith("reconnecting to 127.0.0.1:" + port + " in "), receiver.status());

    ServerSocket server = server(port);
    try (Socket client = server.accept(); OutputStream out = client.getOutputStream()) {
      out.write("finally\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      eventually(() -> receiver.log().endOffset() == 1);
      assertEquals("connected to 127.0.0.1:" + port, receiver.status());
    }
    eventually(receiver::endOfInput);
    assertTrue(receiver.status().contains("closed the stream (end of input)"), receiver.status());
  }

  private ServerSocket server(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    open.add(s);
    return s;
  }

  private LineReceiver receiver(int port, int maxLineBytes, OverlongLinePolicy policy) {
    SocketConfig config = new SocketConfig("127.0.0.1", port, "0", 0, maxLineBytes, policy, 200);
    LineReceiver r = new LineReceiver(config, new MemoryReceiveLog()).start();
    open.add(r::stop);
    return r;
  }

  private static List<String> lines(ReceiveLog log) throws IOException {
    List<String> out = new ArrayList<>();
    try (ReceiveLog.Cursor c = log.cursor(log.startOffset())) {
      for (LogRecord r = c.next(); r != null; r = c.next()) {
        out.add(r.line());
      }
    }
    return out;
  }


  private static void eventually(Callable<Boolean> condition) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(condition);
  }
}
