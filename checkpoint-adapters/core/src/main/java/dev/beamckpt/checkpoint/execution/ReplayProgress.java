package dev.beamckpt.checkpoint.execution;

import java.io.PrintStream;

/**
 * A recovery replay's progress for the person waiting on it, on stderr: lines replayed of the
 * total, the rate, the time left. Silent for replays that end within a couple of seconds, so a
 * quick restart prints nothing.
 */
public final class ReplayProgress {
  private static final long QUIET_MS = 2_000;
  private static final long EVERY_MS = 2_000;
  private final String query;
  private final long total;
  private final PrintStream out;
  private final long startMs = System.currentTimeMillis();
  private long lastPrintMs;

  public ReplayProgress(String query, long totalLines, PrintStream out) {
    this.query = query;
    this.total = totalLines;
    this.out = out;
  }

  /** {@code done} lines of the total have been replayed. */
  public void advanced(long done) {
    long now = System.currentTimeMillis();
    long elapsed = now - startMs;
    if (elapsed < QUIET_MS || now - lastPrintMs < EVERY_MS || done <= 0) {
      return;
    }
    lastPrintMs = now;
    long rate = done * 1000 / Math.max(1, elapsed);
    long left = rate == 0 ? -1 : (total - Math.min(done, total)) / rate;
    out.printf("Query '%s' is recovering: replayed %,d of %,d lines from the receive log (%,d lines/s%s)%n", query, done,
        total, rate, left < 0 ? "" : ", about " + left + " s left");
  }

  /** The replay is over; says how long it took if progress was shown. */
  public void finished(long done) {
    if (lastPrintMs > 0) {
      out.printf("Query '%s' recovered: replayed %,d lines in %.1f s%n", query, done,
          (System.currentTimeMillis() - startMs) / 1000.0);
    }
  }
}
