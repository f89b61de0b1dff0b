package dev.beamckpt.it;

import dev.beamckpt.io.socket.LineServer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Queues lines on a line server at a steady rate on its own thread, whatever happens to the query
 * meanwhile (kills, restarts, storage faults): the stream never waits for the test.
 */
final class PacedSender {
  private final LineServer server;
  private final List<String> lines;
  private final int perTick;
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final Thread thread;

  /** Sends {@code lines} at about {@code linesPerSecond}, in twenty groups a second. */
  PacedSender(LineServer server, List<String> lines, int linesPerSecond) {
    this.server = server;
    this.lines = lines;
    this.perTick = Math.max(1, linesPerSecond / 20);
    this.thread = new Thread(this::send, "paced-sender");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void send() {
    while (!stopped.get() && sent.get() < lines.size()) {
      int from = sent.get();
      int to = Math.min(lines.size(), from + perTick);
      server.sendAll(lines.subList(from, to));
      sent.set(to);
      try {
        Thread.sleep(50); // pacing, not waiting for a result
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Stops sending; returns once nothing more will be queued. */
  void stop() throws InterruptedException {
    stopped.set(true);
    thread.join();
  }

  /** Lines queued so far: the first {@code sent()} of the list. */
  int sent() {
    return sent.get();
  }
}
