package dev.beamckpt.checkpoint.log;

import java.util.List;
import java.util.Optional;

/**
 * What a batch covers, written before the batch runs (Spark's OffsetSeq): each source's end
 * offset, the event-time watermark the batch runs with, and when it was planned.
 */
public record OffsetSeq(long batchWatermarkMs, long batchTimestampMs, List<SourceOffset> sources) {

  public Optional<SourceOffset> source(String id) {
    return sources.stream().filter(s -> s.source().equals(id)).findFirst();
  }

  /** Where the batch ends in source {@code id}'s receive log (0 if the batch does not read it). */
  public long endOffset(String id) {
    return source(id).map(SourceOffset::logEnd).orElse(0L);
  }

  /** The metadata line of the file. */
  public record Header(long batchWatermarkMs, long batchTimestampMs) {}
}
