package dev.beamckpt.checkpoint.source.log;

import java.io.IOException;

/**
 * Another writer took the receive log over (a newer attempt of the source, e.g. restored in another
 * TaskManager after a failover): this one may write nothing more, and its receiver stops.
 */
public final class ReceiveLogTakenOverException extends IOException {
  public ReceiveLogTakenOverException(String message) {
    super(message);
  }
}
