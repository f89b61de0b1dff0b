package dev.beamckpt.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The generator server every peer reads from: a loopback line server like our {@code LineServer}
 * and {@code nc -lk}, one client at a time, a restarted peer connecting again. Unlike LineServer,
 * which flushes each line as nc does, it writes pre-encoded chunks of lines, so the sender is
 * never what limits a peer. A peer that buffers what it reads (Spark's socket source keeps lines
 * in memory, ours writes them to the receive log) is kept at most a bounded number of words
 * ahead of what its sink shows, so no system is measured on how much it can hoard.
 */
final class Feed implements AutoCloseable {
  private final ServerSocket server;

  private Feed(ServerSocket server) {
    this.server = server;
  }

  static Feed open() throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return new Feed(s);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Waits for the peer to connect: it is then running and reading. */
  Connection accept(Duration timeout, BooleanSupplier peerAlive) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    server.setSoTimeout(200);
    while (System.nanoTime() < deadline) {
      try {
        return new Connection(server.accept());
      } catch (SocketTimeoutException e) {
        if (!peerAlive.getAsBoolean()) {
          throw new IOException("the peer exited before it connected");
        }
      }
    }
    throw new IOException("the peer did not connect within " + timeout.toSeconds() + " s");
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private volatile long wordsSent;
    private volatile boolean stopped;

    private Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.out = socket.getOutputStream();
    }

    long wordsSent() {
      return wordsSent;
    }

    /** Writes the chunks, cycling if asked, never more than {@code allowedAhead} words ahead of the sink. */
    void feed(List<Workload.Chunk> chunks, boolean cycle, LongSupplier processedWords, LongSupplier allowedAhead)
        throws IOException {
      do {
        for (Workload.Chunk c : chunks) {
          while (wordsSent - processedWords.getAsLong() > allowedAhead.getAsLong()) {
            if (stopped) {
              return;
            }
            sleepMillis(1);
          }
          if (stopped) {
            return;
          }
          out.write(c.bytes());
          wordsSent += c.words();
        }
      } while (cycle && !stopped);
    }

    void sendLine(String line, long words) throws IOException {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      wordsSent += words;
    }

    void stop() {
      stopped = true;
    }

    @Override
    public void close() throws IOException {
      stop();
      socket.close();
    }
  }

  static void sleepMillis(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
