package dev.beamckpt.io.socket;

import dev.beamckpt.checkpoint.source.BatchGate;
import dev.beamckpt.checkpoint.source.FinalizedOffsets;
import dev.beamckpt.checkpoint.source.SourceChannel;
import dev.beamckpt.checkpoint.source.LogRetention;
import dev.beamckpt.checkpoint.source.log.ReceiveLog;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
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
import java.util.concurrent.atomic.AtomicBoolean;
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
  /** How long a stop keeps reading after asking the server to end the stream. */
  private static final long DRAIN_MS = 5000;
  /** How often a receiver whose log cannot be written tries again. */
  private static final long STORAGE_RETRY_MS = 1000;
  /** A lost connection is announced once it stays lost this long (an ending stdin stream closes at once). */
  private static final long ANNOUNCE_LOST_AFTER_MS = 2000;

  private final SocketConfig config;
  private final ReceiveLog log;
  private final LogRetention retention;
  private final CheckpointStorage finalizedTo;
  /** The last finalized offset recorded in the location (finalizations come from the runner, one at a time). */
  private volatile long recordedFinalized = -1;
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
  private volatile long stopRequestedNanos;
  private volatile boolean storageFailing;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private volatile Socket socket;
  private volatile String status;
  private volatile boolean endOfInput;
  private volatile long lastRecordNanos = System.nanoTime();
  private long lastTimestampMs = Long.MIN_VALUE;

  LineReceiver(SocketConfig config, ReceiveLog log) {
    this(config, log, LogRetention.finalizedOnly());
  }

  LineReceiver(SocketConfig config, ReceiveLog log, LogRetention retention) {
    this(config, log, retention, null);
  }

  /** @param finalizedTo the location where finalized offsets are recorded, or null where no one reads them */
  LineReceiver(SocketConfig config, ReceiveLog log, LogRetention retention, CheckpointStorage finalizedTo) {
    this.config = config;
    this.log = log;
    this.retention = retention;
    this.finalizedTo = finalizedTo;
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

  /**
   * The runner finalized a checkpoint mark at {@code offset}: record it in the location for whoever
   * commits batches, and trim the log as its retention allows.
   */
  void finalized(long offset) {
    if (finalizedTo != null && offset > recordedFinalized) { // a checkpoint of an idle stream finalizes the same offset
      recordedFinalized = offset;
      try {
        FinalizedOffsets.record(finalizedTo, config.sourceId(), offset);
      } catch (IOException e) {
        LOG.warn("Source {}: recording finalized offset {} in {}: {}", config.sourceId(), offset, finalizedTo.uri(),
            e.getMessage());
      }
    }
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
    long lostSinceNanos = 0;
    String lostReason = null;
    boolean lostAnnounced = false;
    while (running) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(config.host(), config.port()), CONNECT_TIMEOUT_MS);
        s.setSoTimeout(READ_POLL_MS);
        socket = s;
        if (lostAnnounced) {
          LOG.warn("Source {}: connected to {} again after {} s", config.sourceId(), config.address(),
              (System.nanoTime() - lostSinceNanos) / 1_000_000_000);
        }
        attempt = 0;
        lostReason = null;
        lostAnnounced = false;
        endOfInput = false;
        status = "connected to " + config.address();
        boolean eof = readLines(s);
        if (eof && !config.reconnectAfterEndOfStream()) {
          endOfInput = true;
          status = "the server at " + config.address() + " ended the stream (end of input)";
          return;
        }
        if (eof) {
          endOfInput = true;
          status = "the server at " + config.address() + " closed the stream (end of input); waiting for it to accept again";
          LOG.info("{} closed the stream", config.address());
          lostReason = "the server closed the stream";
          lostSinceNanos = System.nanoTime();
        }
      } catch (IOException e) {
        if (!running) {
          break;
        }
        if (lostReason == null) { // the first failure since the last connection: the loss starts now
          lostReason = e.getMessage();
          lostSinceNanos = System.nanoTime();
        }
        attempt++;
        reconnects.incrementAndGet();
        long backoff = Math.min(config.maxReconnectBackoffMs(), 100L << Math.min(attempt - 1, 16));
        status = "reconnecting to " + config.address() + " in " + backoff + " ms (attempt " + attempt + "): " + e.getMessage();
        if (!lostAnnounced && (System.nanoTime() - lostSinceNanos) / 1_000_000 >= ANNOUNCE_LOST_AFTER_MS) {
          lostAnnounced = true;
          LOG.warn("Source {}: lost the connection to {} ({}); reconnecting with backoff", config.sourceId(),
              config.address(), lostReason);
        } else {
          LOG.debug("Source {}: cannot read from {} ({})", config.sourceId(), config.address(), e.getMessage());
        }
        sleep(backoff);
        continue;
      } finally {
        socket = null;
      }
      if (!endOfInput) {
        break; // stopped
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

  /**
   * Reads lines until end of stream (true) or a stop (false). A stop half-closes the connection:
   * the server sees the client leave (our LineServer and nc stop sending and close), and the lines
   * already on their way are read and logged until the stream ends or stays idle, within {@link
   * #DRAIN_MS}, so a graceful stop loses nothing the server wrote.
   */
  private boolean readLines(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    byte[] buf = new byte[64 * 1024];
    byte[] line = new byte[256];
    int len = 0;
    boolean overlong = false;
    boolean draining = false;
    while (true) {
      if (!running && !draining) {
        draining = true;
        s.shutdownOutput();
      }
      if (draining && System.nanoTime() - stopRequestedNanos > DRAIN_MS * 1_000_000) {
        LOG.warn("Source {}: {} kept sending for {} s after the stop; stopped reading, so what it sent since then is"
            + " not in the receive log", config.sourceId(), config.address(), DRAIN_MS / 1000);
        return false;
      }
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException idle) {
        if (draining) {
          return false; // nothing more arrived after the stop: drained
        }
        continue;
      }
      if (n < 0) {
        if (len > 0 && !overlong) {
          appendDurably(List.of(decode(line, len))); // a last line without a newline
        }
        return !draining;
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
        appendDurably(complete);
      }
    }
  }

  /**
   * Appends received lines, waiting while the log cannot be written (a full disk): the receiver
   * reads nothing more meanwhile, so what the server sends stays in the connection, and the lines
   * already read are kept until they are stored. Only a stop while the log still cannot be
   * written loses them, and says how many.
   */
  private void appendDurably(List<String> received) {
    while (true) {
      try {
        appendLines(received);
        if (storageFailing) {
          storageFailing = false;
          status = "connected to " + config.address();
          LOG.warn("Source {}: the receive log can be written again; reading {} again", config.sourceId(), config.address());
        }
        return;
      } catch (IOException e) {
        if (!storageFailing) {
          storageFailing = true;
          LOG.error("Source {}: {}. Stopped reading {} until the log can be written: the server keeps what it has not"
              + " sent, and the {} line(s) already read are kept in memory. Free space (or fix access) where the"
              + " checkpoint location is; the query continues by itself.", config.sourceId(), e.getMessage(),
              config.address(), received.size());
        }
        status = "waiting for storage (" + e.getMessage() + ")";
        if (!running && System.nanoTime() - stopRequestedNanos > DRAIN_MS * 1_000_000) {
          LOG.error("Source {}: stopped while the receive log could not be written; {} line(s) read from {} were not"
              + " stored and are lost", config.sourceId(), received.size(), config.address());
          return;
        }
        sleep(STORAGE_RETRY_MS);
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

  /** Stops reading after draining what the connection holds (see {@link #readLines}), then closes the log. */
  void stop() throws IOException {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    stopRequestedNanos = System.nanoTime();
    running = false;
    try {
      thread.join(DRAIN_MS + 2L * READ_POLL_MS);
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
      try {
        log.sync();
      } finally {
        log.close();
      }
    }
    status = "stopped";
  }
}
