package dev.beamckpt.io.socket;

import dev.beamckpt.checkpoint.source.BatchGate;
import dev.beamckpt.checkpoint.source.SourceChannel;
import dev.beamckpt.checkpoint.source.LogRetention;
import dev.beamckpt.io.socket.log.ReceiveLog;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects to a line server as a client (like Spark's socket source) and appends every received
 * line to the receive log before any reader can emit it. One per source per JVM, shared by every
 * reader the runner creates, so closing and re-creating readers never drops a connection.
 *
 * <p>Bad input never stops the stream: malformed UTF-8 is decoded with U+FFFD replacement
 * characters, overlong lines follow the configured policy; both are counted and logged. A vanished
 * server is retried with exponential backoff, and the status says so.
 */
final class LineReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(LineReceiver.class);
  private static final int CONNECT_TIMEOUT_MS = 5000;
  /** Reads wake up this often so a stop drains what arrived and exits promptly. */
  private static final int READ_POLL_MS = 200;

  private final SocketConfig config;
  private final ReceiveLog log;
  private final LogRetention retention;
  private final BatchGate gate = new BatchGate();
  private final Thread thread;
  private final AtomicLong lines = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong malformedLines = new AtomicLong();
  private final AtomicLong overlongLines = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();
  private final CharsetDecoder strictUtf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

  private volatile boolean running = true;
  private volatile Socket socket;
  private volatile String status;
  private volatile boolean endOfInput;
  private volatile long lastRecordNanos = System.nanoTime();
  private long lastTimestampMs = Long.MIN_VALUE;

  LineReceiver(SocketConfig config, ReceiveLog log) {
    this(config, log, LogRetention.finalizedOnly());
  }

  LineReceiver(SocketConfig config, ReceiveLog log, LogRetention retention) {
    this.config = config;
    this.log = log;
    this.retention = retention;
    this.status = "connecting to " + config.address();
    this.thread = new Thread(this::run, "socket-receiver-" + config.sourceId() + "-" + config.address());
    thread.setDaemon(true);
  }

  LineReceiver start() {
    thread.start();
    return this;
  }

  ReceiveLog log() {
    return log;
  }

  /** The runner finalized a checkpoint mark at {@code offset}: trim the log as its retention allows. */
  void finalized(long offset) {
    retention.trimBelow(offset).ifPresent(log::trimBefore);
  }

  BatchGate gate() {
    return gate;
  }

  SocketConfig config() {
    return config;
  }

  private void run() {
    int attempt = 0;
    while (running) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(config.host(), config.port()), CONNECT_TIMEOUT_MS);
        s.setSoTimeout(READ_POLL_MS);
        socket = s;
        if (attempt > 0) {
          LOG.info("Reconnected to {} after {} attempts", config.address(), attempt);
        }
        attempt = 0;
        endOfInput = false;
        status = "connected to " + config.address();
        boolean eof = readLines(s.getInputStream());
        if (eof) {
          endOfInput = true;
          status = "the server at " + config.address() + " closed the stream (end of input); waiting for it to accept again";
          LOG.info("{} closed the stream", config.address());
        }
      } catch (IOException e) {
        if (!running) {
          break;
        }
        attempt++;
        reconnects.incrementAndGet();
        long backoff = Math.min(config.maxReconnectBackoffMs(), 100L << Math.min(attempt - 1, 16));
        status = "reconnecting to " + config.address() + " in " + backoff + " ms (attempt " + attempt + "): " + e.getMessage();
        if (endOfInput) {
          LOG.debug("{} no longer accepts after ending its stream: {}", config.address(), e.getMessage());
        } else if (attempt == 1 || attempt % 20 == 0) {
          LOG.warn("Source {}: cannot read from {} ({}); retrying with backoff", config.sourceId(), config.address(), e.getMessage());
        }
        sleep(backoff);
        continue;
      } finally {
        socket = null;
      }
      sleep(Math.min(config.maxReconnectBackoffMs(), 500));
    }
  }

  private void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  /** Reads lines until end of stream (true) or a stop (false). */
  private boolean readLines(InputStream in) throws IOException {
    byte[] buf = new byte[64 * 1024];
    byte[] line = new byte[256];
    int len = 0;
    boolean overlong = false;
    while (true) {
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException idle) {
        if (!running) {
          return false; // nothing arrived for a poll interval: drained, stop
        }
        continue;
      }
      if (n < 0) {
        if (len > 0 && !overlong) {
          appendLines(List.of(decode(line, len))); // a last line without a newline
        }
        return true;
      }
      bytes.addAndGet(n);
      List<String> complete = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        byte b = buf[i];
        if (b == '\n') {
          if (!overlong) {
            complete.add(decode(line, len > 0 && line[len - 1] == '\r' ? len - 1 : len));
          }
          len = 0;
          overlong = false;
        } else if (!overlong) {
          if (len == config.maxLineBytes()) {
            overlong = true;
            onOverlong(complete, line, len);
            len = 0;
          } else {
            if (len == line.length) {
              line = Arrays.copyOf(line, Math.min(config.maxLineBytes(), line.length * 2));
            }
            line[len++] = b;
          }
        }
      }
      if (!complete.isEmpty()) {
        appendLines(complete);
      }
    }
  }

  private void onOverlong(List<String> complete, byte[] line, int len) {
    long n = overlongLines.incrementAndGet();
    boolean truncate = config.overlongLines() == OverlongLinePolicy.TRUNCATE;
    if (truncate) {
      complete.add(decode(line, len));
    }
    if (n == 1 || n % 1000 == 0) {
      LOG.warn("Source {}: a line from {} is longer than {} bytes; {} ({} such lines so far)", config.sourceId(),
          config.address(), config.maxLineBytes(), truncate ? "keeping its first " + len + " bytes" : "skipping it", n);
    }
  }

  private String decode(byte[] line, int len) {
    try {
      return strictUtf8.decode(ByteBuffer.wrap(line, 0, len)).toString();
    } catch (CharacterCodingException e) {
      long n = malformedLines.incrementAndGet();
      if (n == 1 || n % 1000 == 0) {
        LOG.warn("Source {}: a line from {} is not valid UTF-8; invalid bytes became U+FFFD ({} such lines so far)",
            config.sourceId(), config.address(), n);
      }
      return new String(line, 0, len, StandardCharsets.UTF_8);
    }
  }

  /** Ingestion time is taken under the same lock as {@link #snapshot}, so no later line is older. */
  private synchronized void appendLines(List<String> received) throws IOException {
    long ts = Math.max(lastTimestampMs, System.currentTimeMillis());
    log.append(received, ts);
    lastTimestampMs = ts;
    lastRecordNanos = System.nanoTime();
    lines.addAndGet(received.size());
  }

  synchronized SourceChannel.Snapshot snapshot() {
    long now = Math.max(lastTimestampMs, System.currentTimeMillis());
    return new SourceChannel.Snapshot(log.endOffset(), now - config.watermarkDelayMs(), log.maxTimestampMs());
  }

  boolean endOfInput() {
    return endOfInput;
  }

  long quietMillis() {
    return (System.nanoTime() - lastRecordNanos) / 1_000_000;
  }

  String status() {
    return status;
  }

  Map<String, Long> metrics() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("linesReceived", lines.get());
    m.put("bytesReceived", bytes.get());
    m.put("malformedLines", malformedLines.get());
    m.put("overlongLines", overlongLines.get());
    m.put("reconnects", reconnects.get());
    m.put("logRecords", log.endOffset());
    return m;
  }

  /** Stops reading after draining what already arrived, then closes the log. */
  void stop() throws IOException {
    running = false;
    try {
      thread.join(READ_POLL_MS * 10L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Socket s = socket;
    if (thread.isAlive() && s != null) {
      s.close();
    }
    thread.interrupt();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      log.sync();
      log.close();
    }
    status = "stopped";
  }
}
