package dev.beamckpt.sdk;

import java.util.Locale;

/** Spark's output modes: what a sink receives after each batch. */
public enum OutputMode {
  /** The whole result table, every batch. */
  COMPLETE,
  /** The rows that changed in the batch. */
  UPDATE,
  /** Final rows only: windows the watermark has closed, each once. */
  APPEND;

  public static OutputMode parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("--outputMode '" + text + "' is not an output mode: use complete, update or append.");
    }
  }
}
