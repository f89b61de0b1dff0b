package dev.beamckpt.checkpoint.log;

/**
 * Where a batch ends in one source: the exclusive end offset in its receive log (a record count
 * since the log began).
 */
public record SourceOffset(String source, long endOffset) {}
