package dev.beamckpt.checkpoint.log;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Written after a batch's outputs are durable (Spark's CommitMetadata), with what it produced so
 * {@code checkpoint describe} can show it.
 *
 * @param tableSeq on runners that cut batches inside the job (Flink): the sequence number of the
 *     last table output the batch holds, so an output delivered again after a restore is known as
 *     committed; null where the driver plans batches (Direct)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CommitMetadata(long nextBatchWatermarkMs, long committedAtMs, long numInputRows, long numOutputRows,
    Long tableSeq) {
  public CommitMetadata(long nextBatchWatermarkMs, long committedAtMs, long numInputRows, long numOutputRows) {
    this(nextBatchWatermarkMs, committedAtMs, numInputRows, numOutputRows, null);
  }
}
