package dev.beamckpt.io.socket;

/** What the receiver does with a line longer than the configured maximum. */
public enum OverlongLinePolicy {
  /** Drop the whole line (counted in the overlongLines metric and logged). */
  SKIP,
  /** Keep its first maxLineBytes bytes and drop the rest (counted and logged). */
  TRUNCATE
}
