package dev.beamckpt.io.socket;

import java.io.Serializable;

/** A socket source's settings, as SocketIO.Read builds them. */
record SocketConfig(
    String host, int port, String sourceId, long watermarkDelayMs, int maxLineBytes, OverlongLinePolicy overlongLines,
    long maxReconnectBackoffMs, boolean reconnectAfterEndOfStream) implements Serializable {

  static SocketConfig defaults() {
    return new SocketConfig(null, 0, "0", 0, 1 << 20, OverlongLinePolicy.SKIP, 5000, true);
  }

  String address() {
    return host + ":" + port;
  }

  Builder toBuilder() {
    return new Builder(this);
  }

  /** A copy to change one setting of, as AutoValue's toBuilder() in Beam's IO connectors. */
  static final class Builder {
    String host;
    int port;
    String sourceId;
    long watermarkDelayMs;
    int maxLineBytes;
    OverlongLinePolicy overlongLines;
    long maxReconnectBackoffMs;
    boolean reconnectAfterEndOfStream;

    private Builder(SocketConfig c) {
      host = c.host;
      port = c.port;
      sourceId = c.sourceId;
      watermarkDelayMs = c.watermarkDelayMs;
      maxLineBytes = c.maxLineBytes;
      overlongLines = c.overlongLines;
      maxReconnectBackoffMs = c.maxReconnectBackoffMs;
      reconnectAfterEndOfStream = c.reconnectAfterEndOfStream;
    }

    SocketConfig build() {
      return new SocketConfig(host, port, sourceId, watermarkDelayMs, maxLineBytes, overlongLines, maxReconnectBackoffMs,
          reconnectAfterEndOfStream);
    }
  }
}
