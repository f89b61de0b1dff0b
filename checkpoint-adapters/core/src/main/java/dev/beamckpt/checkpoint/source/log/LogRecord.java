package dev.beamckpt.checkpoint.source.log;

/** One received line, its position in the receive log and its ingestion time. */
public record LogRecord(long offset, long timestampMs, String line) {}
