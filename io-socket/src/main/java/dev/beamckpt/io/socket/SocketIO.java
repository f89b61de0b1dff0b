package dev.beamckpt.io.socket;

import dev.beamckpt.checkpoint.source.LoggedUnboundedSource;
import java.util.function.Consumer;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Reads UTF-8 lines from a TCP server, as a client, like Spark's socket source, but fault
 * tolerant: with {@code --checkpointLocation} every received line is appended to a durable receive
 * log under {@code sources/<id>/} before it is emitted, so a restarted query replays it.
 *
 * <pre>{@code
 * PCollection<String> lines = p.apply(SocketIO.read().withHost("localhost").withPort(9999));
 * }</pre>
 *
 * Element timestamps are ingestion times (recorded in the log, so replays see the same ones); the
 * watermark is the latest ingestion time minus {@link Read#withWatermarkDelay}, and advances while
 * the stream is idle.
 */
public final class SocketIO {
  private SocketIO() {}

  public static Read read() {
    return new Read(SocketConfig.defaults());
  }

  /** The {@link PTransform} reading a socket; configure with the {@code withX} methods. */
  public static final class Read extends PTransform<PBegin, PCollection<String>> {
    private final SocketConfig config;

    private Read(SocketConfig config) {
      this.config = config;
    }

    public Read withHost(String host) {
      return with(b -> b.host = host);
    }

    public Read withPort(int port) {
      return with(b -> b.port = port);
    }

    /** Names the source's directory {@code sources/<id>}; distinct per source of a query. Default "0". */
    public Read withSourceId(String sourceId) {
      return with(b -> b.sourceId = sourceId);
    }

    /** How far the watermark trails the latest ingestion time (Spark's withWatermark delay). */
    public Read withWatermarkDelay(Duration delay) {
      return with(b -> b.watermarkDelayMs = delay.getMillis());
    }

    /** Lines longer than this many bytes follow {@code policy}. Default 1 MiB, skipped. */
    public Read withMaxLineBytes(int maxLineBytes, OverlongLinePolicy policy) {
      return with(b -> {
        b.maxLineBytes = maxLineBytes;
        b.overlongLines = policy;
      });
    }

    /** Longest wait between reconnection attempts when the server is gone. Default 5 s. */
    public Read withMaxReconnectBackoff(Duration backoff) {
      return with(b -> b.maxReconnectBackoffMs = backoff.getMillis());
    }

    /**
     * Whether the server ending its stream is only a pause (default: reconnect, as to {@code nc -lk}
     * restarted) or the end of the input for good (a server that serves one file or standard input
     * and then exits): then the receiver stops connecting, quietly.
     */
    public Read withReconnectAfterEndOfStream(boolean reconnect) {
      return with(b -> b.reconnectAfterEndOfStream = reconnect);
    }

    private Read with(Consumer<SocketConfig.Builder> change) {
      SocketConfig.Builder builder = config.toBuilder();
      change.accept(builder);
      return new Read(builder.build());
    }

    @Override
    public PCollection<String> expand(PBegin input) {
      if (config.host() == null || config.host().isBlank()) {
        throw new IllegalArgumentException("SocketIO.read() needs a host: withHost(\"localhost\")");
      }
      if (config.port() < 1 || config.port() > 65535) {
        throw new IllegalArgumentException("SocketIO.read() needs a port between 1 and 65535, got " + config.port());
      }
      if (config.sourceId() == null || !config.sourceId().matches("[A-Za-z0-9_.-]+")) {
        throw new IllegalArgumentException("SocketIO source id '" + config.sourceId()
            + "' must be a non-empty name of letters, digits, '.', '_' or '-' (it names a directory)");
      }
      if (config.maxLineBytes() < 1 || config.watermarkDelayMs() < 0) {
        throw new IllegalArgumentException("SocketIO: maxLineBytes must be positive and the watermark delay not negative");
      }
      return LoggedUnboundedSource.lines(input.apply(org.apache.beam.sdk.io.Read.from(new SocketSource(config))));
    }
  }
}
