package dev.beamckpt.io.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.source.log.FileReceiveLog;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.checkpoint.source.log.MemoryReceiveLog;
import dev.beamckpt.checkpoint.source.log.ReceiveLog;
import dev.beamckpt.checkpoint.source.log.ReceiveLogWriteException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  @Test
  void aGracefulStopLogsEveryLineTheServerWroteWhileItKeepsStreaming(@TempDir Path dir) throws Exception {
    try (LineServer server = LineServer.start(0)) {
      LineReceiver receiver = receiver(server.port(), 1024, OverlongLinePolicy.SKIP, FileReceiveLog.open(LocalStorage.at(dir), "sources/0"));
      AtomicBoolean feeding = new AtomicBoolean(true);
      Thread feeder = new Thread(() -> {
        for (int i = 0; feeding.get(); i++) {
          server.send("line " + i);
          if (server.linesQueued() > 1000) {
            Thread.onSpinWait();
          }
        }
      });
      feeder.start();
      eventually(() -> receiver.log().endOffset() > 20_000);
      receiver.stop(); // while the server is still writing as fast as it can
      feeding.set(false);
      feeder.join();
      List<LogRecord> logged = FileReceiveLog.readAll(LocalStorage.at(dir), "sources/0");
      // The server counts a line after its write returns, so the last line can be logged before it
      // is counted: wait for the count to catch up, then it must equal what the log holds.
      server.awaitSent(logged.size(), 10, TimeUnit.SECONDS);
      long sent = server.linesSent();
      assertEquals(sent, logged.size(), "every line the server wrote reached the log");
      assertEquals("line " + (sent - 1), logged.get(logged.size() - 1).line());
    }
  }

  @Test
  void aLogThatCannotBeWrittenPausesReadingAndKeepsWhatWasRead() throws Exception {
    ServerSocket server = server(0);
    FailingLog log = new FailingLog(3);
    LineReceiver receiver = receiver(server.getLocalPort(), 1024, OverlongLinePolicy.SKIP, log);
    try (Socket client = server.accept(); OutputStream out = client.getOutputStream()) {
      out.write("kept while the disk was full\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      eventually(() -> receiver.status().startsWith("waiting for storage (Cannot append to receive log test: No space"));
      out.write("after\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      eventually(() -> log.endOffset() == 2);
    }
    assertEquals(List.of("kept while the disk was full", "after"), lines(log));
    assertTrue(log.failures.get() >= 3, "the append was retried until it worked");
    // Three failed appends a second apart: the receiver did not read for at least two seconds, and says so.
    assertTrue(receiver.metrics().get("longestReadGapMs") >= 2000, receiver.metrics().toString());
  }

  /** A log whose first appends fail as a full disk does. */
  private static final class FailingLog implements ReceiveLog {
    private final MemoryReceiveLog delegate = new MemoryReceiveLog();
    private final AtomicInteger failures = new AtomicInteger();
    private final int failFirst;

    FailingLog(int failFirst) {
      this.failFirst = failFirst;
    }

    @Override
    public void append(List<String> lines, long timestampMs) throws IOException {
      if (failures.get() < failFirst) {
        failures.incrementAndGet();
        throw new ReceiveLogWriteException("Cannot append to receive log test: No space left on device",
            new IOException("No space left on device"));
      }
      delegate.append(lines, timestampMs);
    }

    @Override
    public long startOffset() {
      return delegate.startOffset();
    }

    @Override
    public long endOffset() {
      return delegate.endOffset();
    }

    @Override
    public long maxTimestampMs() {
      return delegate.maxTimestampMs();
    }

    @Override
    public void sync() {}

    @Override
    public Cursor cursor(long fromOffset) throws IOException {
      return delegate.cursor(fromOffset);
    }

    @Override
    public void trimBefore(long offset) {}

    @Override
    public void close() {}
  }

  private ServerSocket server(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    open.add(s);
    return s;
  }

  private LineReceiver receiver(int port, int maxLineBytes, OverlongLinePolicy policy) {
    return receiver(port, maxLineBytes, policy, new MemoryReceiveLog());
  }

  private LineReceiver receiver(int port, int maxLineBytes, OverlongLinePolicy policy, ReceiveLog log) {
    SocketConfig config = new SocketConfig("127.0.0.1", port, "0", 0, maxLineBytes, policy, 200, true);
    LineReceiver r = new LineReceiver(config, log);
    r.start();
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
