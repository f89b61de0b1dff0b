package dev.beamckpt.checkpoint.source.log;

import java.io.IOException;

/**
 * The receive log could not store what was received (a full disk, a read-only file): a storage
 * failure, not a broken connection. The log holds no partial record after it.
 */
public final class ReceiveLogWriteException extends IOException {
  public ReceiveLogWriteException(String message, IOException cause) {
    super(message, cause);
  }
}
