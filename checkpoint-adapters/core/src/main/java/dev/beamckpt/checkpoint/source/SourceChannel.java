package dev.beamckpt.checkpoint.source;

import java.io.IOException;
import java.util.Map;

/** The running receiver of a {@link LoggedSource}: its log's extent, its gate, its health. */
public interface SourceChannel extends AutoCloseable {

  /**
   * The log's end and the watermark a batch ending there may use, taken atomically: every record
   * after {@code endOffset} has an ingestion time of at least {@code watermarkMs} plus the delay.
   */
  Snapshot snapshot();

  /** The offset of the oldest record the receive log keeps (above 0 once trimmed). */
  long startOffset();

  /** Forces received records to stable storage (before a batch that covers them is recorded). */
  void sync() throws IOException;

  BatchGate gate();

  /** True once the server closed the stream (end of input) and every record is in the log. */
  boolean endOfInput();

  /** Milliseconds since a record last arrived (or since the receiver started). */
  long quietMillis();

  /** One line for the query status: "connected to localhost:9999", "reconnecting in 2s ...". */
  String status();

  /** Counters for progress reports (malformedLines, overlongLines, reconnects, ...). */
  Map<String, Long> metrics();

  /** Fails if the receiver stopped under this handle (its readers looked abandoned), naming why. */
  default void checkOpen() throws IOException {}

  /** Releases this handle; the receiver stops when its last handle closes. */
  @Override
  void close() throws IOException;

  /**
   * @param maxTimestampMs the latest ingestion time in the log (or Long.MIN_VALUE when empty), which
   *     tells a driver whether event-time windows may still be open
   */
  record Snapshot(long endOffset, long watermarkMs, long maxTimestampMs) {}
}
