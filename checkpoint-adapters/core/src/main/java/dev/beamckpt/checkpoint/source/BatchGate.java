package dev.beamckpt.checkpoint.source;

import java.util.concurrent.TimeUnit;

/**
 * The fence between a micro-batch driver and a source's readers.
 *
 * <p>The driver {@linkplain #open opens} the gate up to a batch's end offset and watermark; readers
 * emit records only below the fence and report the batch watermark only once they reach it. The
 * gate also tells the driver when everything emitted has been <em>processed</em>: readers call
 * {@link #bundleEnded} when the runner takes their watermark at the end of a bundle and {@link
 * #bundleStarted} at the next read. The DirectRunner schedules a source's next bundle only when the
 * pipeline is quiescent (no pending work, no timer eligible to fire), so at that moment every
 * record and watermark of earlier bundles has been fully processed, through every GroupByKey and
 * timer, into the sink.
 *
 * <p>An uncontrolled gate (no driver, e.g. a plain Beam pipeline) lets everything through.
 */
public final class BatchGate {
  private boolean controlled;
  private long limit = Long.MAX_VALUE;
  private long limitWatermarkMs = Long.MIN_VALUE;
  private long watermarkBeforeLimitMs = Long.MIN_VALUE;

  private boolean bundleOpen;
  private long lastReadNanos = System.nanoTime();
  private long endedAtOffset = -1;
  private long endedWithWatermarkMs = Long.MIN_VALUE;
  private long processedOffset = -1;
  private long processedWatermarkMs = Long.MIN_VALUE;
  /** Read bundles begun after one ended: on the DirectRunner, moments the pipeline was quiescent. */
  private long quiescentMoments;

  /** Puts the gate under a driver, closed at {@code startOffset}: nothing is emitted until opened. */
  public synchronized void control(long startOffset) {
    controlled = true;
    limit = startOffset;
  }

  public synchronized boolean controlled() {
    return controlled;
  }

  /** Lets readers emit records below {@code endOffset} and then report {@code watermarkMs}. */
  public synchronized void open(long endOffset, long watermarkMs) {
    if (endOffset < limit || watermarkMs < limitWatermarkMs) {
      throw new IllegalArgumentException("A batch cannot move the gate back: end " + endOffset + " < " + limit
          + " or watermark " + watermarkMs + " < " + limitWatermarkMs);
    }
    watermarkBeforeLimitMs = limitWatermarkMs;
    limit = endOffset;
    limitWatermarkMs = watermarkMs;
    notifyAll();
  }

  /** Releases the gate entirely (the driver is gone): readers run freely. */
  public synchronized void release() {
    controlled = false;
    limit = Long.MAX_VALUE;
    notifyAll();
  }

  /** Reader side: the exclusive offset readers may emit up to. */
  public synchronized long limit() {
    return limit;
  }

  /**
   * Reader side: the watermark for a reader at {@code position}, or {@code uncontrolled} when no
   * driver controls the gate.
   */
  public synchronized long watermarkAt(long position, long uncontrolled) {
    if (!controlled) {
      return uncontrolled;
    }
    return position >= limit ? limitWatermarkMs : watermarkBeforeLimitMs;
  }

  /** Reader side: the runner is about to read again. */
  public synchronized void bundleStarted() {
    lastReadNanos = System.nanoTime();
    if (!bundleOpen) {
      bundleOpen = true;
      quiescentMoments++;
      notifyAll();
      if (endedAtOffset >= 0) {
        processedOffset = endedAtOffset;
        processedWatermarkMs = endedWithWatermarkMs;
        notifyAll();
      }
    }
  }

  /** Nanoseconds since a reader last started to read (or since the gate was made). */
  public synchronized long idleNanos() {
    return System.nanoTime() - lastReadNanos;
  }

  /** Reader side: the runner took the watermark, ending a bundle read up to {@code position}. */
  public synchronized void bundleEnded(long position, long watermarkMs) {
    bundleOpen = false;
    endedAtOffset = position;
    endedWithWatermarkMs = watermarkMs;
  }

  /**
   * Driver side: waits until the pipeline was quiescent again after now (a reader began a new
   * bundle), so work another root started meanwhile has been processed too. False on timeout.
   */
  public synchronized boolean awaitQuiescence(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    long target = quiescentMoments + 2; // a moment that began before now may be half over
    while (quiescentMoments < target) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** Driver side: the offset below which everything emitted has been processed (-1: nothing yet). */
  public synchronized long processedOffset() {
    return processedOffset;
  }

  /**
   * Driver side: waits until everything below {@code endOffset}, and the watermark {@code
   * watermarkMs}, have been processed. Returns false on timeout.
   */
  public synchronized boolean awaitProcessed(long endOffset, long watermarkMs, long timeout, TimeUnit unit)
      throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (processedOffset < endOffset || processedWatermarkMs < watermarkMs) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }
}
