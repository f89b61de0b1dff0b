package dev.beamckpt.checkpoint.source.log;

import java.io.IOException;

/** A receive log that cannot be trusted: a damaged record, a missing segment, or a log shorter than its batches. */
public final class CorruptReceiveLogException extends IOException {
  public CorruptReceiveLogException(String message) {
    super(message);
  }
}
