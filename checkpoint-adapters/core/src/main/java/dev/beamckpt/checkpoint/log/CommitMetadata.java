package dev.beamckpt.checkpoint.log;

/**
 * Written after a batch's outputs are durable (Spark's CommitMetadata), with what it produced so
 * {@code checkpoint describe} can show it.
 */
public record CommitMetadata(long nextBatchWatermarkMs, long committedAtMs, long numInputRows, long numOutputRows) {}
