package dev.beamckpt.io.socket;

import java.io.Serializable;

/** A socket source's settings, as SocketIO.Read builds them. */
record SocketConfig(
    String host, int port, String sourceId, long watermarkDelayMs, int maxLineBytes, OverlongLinePolicy overlongLines,
    long maxReconnectBackoffMs) implements Serializable {

  String address() {
    return host + ":" + port;
  }
}
