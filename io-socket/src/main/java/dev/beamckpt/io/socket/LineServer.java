package dev.beamckpt.io.socket;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A line server that behaves like {@code nc -lk}: it listens on loopback, serves one client at a
 * time, and keeps lines queued while no client is connected. A line written to a client that
 * then dies is lost, exactly as with nc; {@link #linesSent()} counts lines written to clients.
 *
 * <p>It feeds standard input to a query (the embedded default of the word count) and plays nc's
 * part in tests. {@link #endInput()} closes the stream once the queue drains, so the client sees
 * end of input.
 */
public final class LineServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LineServer.class);
  private static final Object END = new Object();

  private final ServerSocket server;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong clients = new AtomicLong();
  private final Thread thread;
  private volatile boolean closed;
  private volatile Socket client;
  private volatile AtomicBoolean clientGone = new AtomicBoolean(true);

  private LineServer(ServerSocket server) {
    this.server = server;
    this.thread = new Thread(this::serve, "line-server-" + server.getLocalPort());
    thread.setDaemon(true);
    thread.start();
  }

  /** Starts a server on loopback; port 0 picks a free one. */
  public static LineServer start(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return new LineServer(s);
  }

  public int port() {
    return server.getLocalPort();
  }

  public void send(String line) {
    queue.add(line);
  }

  public void sendAll(Iterable<String> lines) {
    lines.forEach(queue::add);
  }

  /** After the queued lines are sent, closes the client's stream and stops listening. */
  public void endInput() {
    queue.add(END);
  }

  public long linesSent() {
    return sent.get();
  }

  public int linesQueued() {
    return (int) queue.stream().filter(o -> o != END).count();
  }

  /** Clients served so far (each reconnection of a query counts). */
  public long clientsAccepted() {
    return clients.get();
  }

  /** Blocks until every queued line was written to a client. */
  public boolean awaitSent(long count, long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (sent.get() < count) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  private void serve() {
    Object pending = null;
    while (!closed) {
      try (Socket c = server.accept()) {
        client = c;
        clients.incrementAndGet();
        AtomicBoolean gone = watchForClose(c);
        clientGone = gone;
        OutputStream out = c.getOutputStream();
        while (!closed && !gone.get()) {
          Object item = pending != null ? pending : queue.poll(100, TimeUnit.MILLISECONDS);
          pending = null;
          if (item == null) {
            continue;
          }
          if (item == END) {
            out.flush();
            closed = true;
            break;
          }
          if (gone.get()) {
            pending = item; // the client left while we waited: keep the line for the next one
            break;
          }
          try {
            out.write((item + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            sent.incrementAndGet();
          } catch (IOException e) {
            LOG.debug("Client went away: {}", e.getMessage());
            pending = item; // not delivered: the next client gets it
            break;
          }
        }
      } catch (IOException e) {
        if (!closed) {
          LOG.debug("Accepting a client: {}", e.getMessage());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        client = null;
      }
    }
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /**
   * Notices a client closing its end as nc does (it reads the socket too), so lines queued after a
   * client left wait for the next one instead of going into a dead connection.
   */
  private static AtomicBoolean watchForClose(Socket c) {
    AtomicBoolean gone = new AtomicBoolean();
    Thread t = new Thread(() -> {
      try (InputStream in = c.getInputStream()) {
        while (in.read() >= 0) {
          // clients do not talk; discard
        }
      } catch (IOException ignored) {
        // reset or closed: gone either way
      }
      gone.set(true);
    }, "line-server-client-watch");
    t.setDaemon(true);
    t.start();
    return gone;
  }

  /**
   * Waits until no client is connected, or the connected one has left and the server noticed, so
   * a line sent next waits for the next client (a line sent in between would go into the dead
   * connection, as with nc). False if a client is still connected after {@code timeout}.
   */
  public boolean awaitNoClient(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (client != null && !clientGone.get()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  /** Drops the current client connection, as if the network failed. */
  public void disconnectClient() throws IOException {
    Socket c = client;
    if (c != null) {
      c.close();
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    disconnectClient();
    thread.interrupt();
  }

  /** Serves standard input: {@code LineServer [--port=9999]}. */
  public static void main(String[] args) throws Exception {
    int port = 9999;
    for (String a : args) {
      if (a.startsWith("--port=")) {
        port = Integer.parseInt(a.substring("--port=".length()));
      }
    }
    try (LineServer s = start(port)) {
      System.err.println("Serving standard input on localhost:" + s.port() + " (like nc -lk)");
      s.pipe(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
      s.thread.join();
    }
  }

  /** Queues every line of {@code in} on a background thread, then ends the input. */
  public void pipe(BufferedReader in) {
    Thread t = new Thread(() -> {
      copy(in, List.of(this));
      endInput();
    }, "line-server-input");
    t.setDaemon(true);
    t.start();
  }

  /** Queues every line of {@code in} on each of {@code servers} until it ends (or fails, which is logged). */
  public static void copy(BufferedReader in, List<LineServer> servers) {
    try {
      String line;
      while ((line = in.readLine()) != null) {
        for (LineServer server : servers) {
          server.send(line);
        }
      }
    } catch (IOException e) {
      LOG.warn("Reading input: {}", e.getMessage());
    }
  }
}
