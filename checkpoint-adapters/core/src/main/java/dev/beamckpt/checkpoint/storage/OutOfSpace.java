package dev.beamckpt.checkpoint.storage;

import java.nio.file.FileSystemException;

/**
 * Tells a full disk (or an exhausted quota) from other storage failures: a full location is
 * waited out, not treated as a broken query. Java reports it only as the OS's words.
 */
public final class OutOfSpace {
  private OutOfSpace() {}

  public static boolean is(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String reason = c instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : c.getMessage();
      if (reason != null && (reason.contains("No space left on device") || reason.contains("Disk quota exceeded"))) {
        return true;
      }
    }
    return false;
  }
}
