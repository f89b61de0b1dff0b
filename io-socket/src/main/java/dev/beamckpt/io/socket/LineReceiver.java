package dev.beamckpt.io.socket;

import dev.beamckpt.checkpoint.source.LogChannel;
import dev.beamckpt.checkpoint.source.LogRetention;
import dev.beamckpt.checkpoint.source.Receiver;
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
 * Connects to a line server as a client (like Spark's socket source) and hands every received
 * line to the source's {@link LogChannel}, which logs it before any reader can emit it. One per
 * source per JVM, shared by every reader the runner creates, so closing and re-creating readers
 * never drops a connection. Only the socket is this class's: the log, its gate and its waiting
 * out a full disk are the channel's.
 *
 * <p>Bad input never stops the stream: malformed UTF-8 is decoded with U+FFFD replacement
 * characters, overlong lines follow the configured policy; both are counted and logged. A vanished
 * server is retried with exponential backoff, and the status says so.
 */
final class LineReceiver implements Receiver {
  private static final Logger LOG = LoggerFactory.getLogger(LineReceiver.class);
  private static final int CONNECT_TIMEOUT_MS = 5000;
  /** Reads wake up this often so a stop drains what arrived and exits promptly. */
  private static final int READ_POLL_MS = 200;
  /** How long a stop keeps reading after asking the server to end the stream. */
  private static final long DRAIN_MS = 5000;
  /** A lost connection is announced once it stays lost this long (an ending stdin stream closes at once). */
  private static final long ANNOUNCE_LOST_AFTER_MS = 2000;

  private final SocketConfig config;
  private final LogChannel channel;
  private final Thread thread;
  private final AtomicLong lines = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong malformedLines = new AtomicLong();
  private final AtomicLong overlongLines = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();
  /**
   * The longest time between a read that returned data and the next read, in ms: what the receiver
   * spent decoding and logging one chunk while the server's data waited in the connection.
   */
  private final AtomicLong longestReadGapMs = new AtomicLong();
  private final CharsetDecoder strictUtf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

  private volatile boolean running = true;
  private volatile long stopRequestedNanos;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private volatile Socket socket;
  private volatile String status;
  private volatile boolean endOfInput;

  LineReceiver(SocketConfig config, ReceiveLog log) {
    this(config, log, LogRetention.finalizedOnly());
  }

  LineReceiver(SocketConfig config, ReceiveLog log, LogRetention retention) {
    this(config, log, retention, null);
  }

  /** @param finalizedTo the location where finalized offsets are recorded, or null where no one reads them */
  LineReceiver(SocketConfig config, ReceiveLog log, LogRetention retention, CheckpointStorage finalizedTo) {
    this.config = config;
    this.channel = new LogChannel(config.sourceId(), config.address(), log, config.watermarkDelayMs(), retention,
        finalizedTo);
    this.status = "connecting to " + config.address();
    this.thread = new Thread(this::run, "socket-receiver-" + config.sourceId() + "-" + config.address());
    thread.setDaemon(true);
  }

  @Override
  public void start() {
    thread.start();
  }

  @Override
  public LogChannel channel() {
    return channel;
  }

  ReceiveLog log() {
    return channel.log();
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
    long dataReadNanos = 0;
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
      if (dataReadNanos != 0) {
        long gapMs = (System.nanoTime() - dataReadNanos) / 1_000_000;
        longestReadGapMs.accumulateAndGet(gapMs, Math::max);
      }
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException idle) {
        dataReadNanos = 0; // nothing waited while we did not read
        if (draining) {
          return false; // nothing more arrived after the stop: drained
        }
        continue;
      }
      dataReadNanos = System.nanoTime();
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
   * Logs received lines through the channel, which waits while the log cannot be written (a full
   * disk): nothing more is read meanwhile, so what the server sends stays in the connection. Only a
   * stop that outlasts the drain while the log still cannot be written gives them up.
   */
  private void appendDurably(List<String> received) {
    if (channel.append(received, () -> !running && System.nanoTime() - stopRequestedNanos > DRAIN_MS * 1_000_000)) {
      lines.addAndGet(received.size());
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

  @Override
  public boolean endOfInput() {
    return endOfInput;
  }

  @Override
  public String status() {
    String problem = channel.storageProblem();
    return problem != null ? "waiting for storage (" + problem + ")" : status;
  }

  @Override
  public Map<String, Long> metrics() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("linesReceived", lines.get());
    m.put("bytesReceived", bytes.get());
    m.put("malformedLines", malformedLines.get());
    m.put("overlongLines", overlongLines.get());
    m.put("reconnects", reconnects.get());
    m.put("longestReadGapMs", longestReadGapMs.get());
    m.put("logRecords", channel.log().endOffset());
    return m;
  }

  /** Stops reading after draining what the connection holds (see {@link #readLines}), then closes the log. */
  @Override
  public void stop() throws IOException {
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
    channel.close();
    status = "stopped";
  }
}
