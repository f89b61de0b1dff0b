package dev.beamckpt.pipelines;

import dev.beamckpt.io.socket.LineServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One input for several queries of one application: standard input, or one connection to a line
 * server ({@code nc -lk} serves one client at a time, so two queries could not both connect), each
 * line handed to an embedded line server per query. Each query's receive log makes what reached it
 * durable; a line still in this process when it dies is lost, as one in the kernel's buffers is.
 */
final class SharedInput implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SharedInput.class);
  private static final long RECONNECT_MS = 1000;
  private final List<LineServer> servers = new ArrayList<>();
  private volatile boolean closed;

  private SharedInput(int queries) throws IOException {
    for (int i = 0; i < queries; i++) {
      servers.add(LineServer.start(0));
    }
  }

  /** Standard input, for {@code queries} queries; it ends once for all of them. */
  static SharedInput ofStandardInput(int queries) throws IOException {
    SharedInput input = new SharedInput(queries);
    input.start(() -> {
      LineServer.copy(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), input.servers);
      input.servers.forEach(LineServer::endInput);
    });
    return input;
  }

  /** The line server at {@code host:port}, read by one client that reconnects when it goes away. */
  static SharedInput ofServer(String host, int port, int queries) throws IOException {
    SharedInput input = new SharedInput(queries);
    input.start(() -> {
      boolean warned = false;
      while (!input.closed) {
        try (Socket socket = new Socket(host, port)) {
          warned = false;
          LineServer.copy(new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)),
              input.servers);
        } catch (IOException e) {
          if (!warned) {
            LOG.warn("Reading {}:{}: {}; retrying every {} ms", host, port, e.getMessage(), RECONNECT_MS);
            warned = true;
          }
        }
        sleep(RECONNECT_MS);
      }
    });
    return input;
  }

  /** The port of the embedded server that serves query {@code i}. */
  int port(int i) {
    return servers.get(i).port();
  }

  private void start(Runnable reader) {
    Thread t = new Thread(reader, "shared-input");
    t.setDaemon(true);
    t.start();
  }


  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    for (LineServer server : servers) {
      try {
        server.close();
      } catch (IOException e) {
        LOG.debug("Closing an embedded line server", e);
      }
    }
  }
}
