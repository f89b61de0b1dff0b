package dev.beamckpt.checkpoint.log;

/**
 * One start of a query on a location: which runner, which process, and what it resumed from
 * ({@code restoredFromBatch} is the last committed batch, or -1 for a fresh start).
 */
public record RunInfo(
    String runId,
    String runner,
    long startedAtMs,
    String process,
    long restoredFromBatch,
    String restoredFrom,
    String runnerJobId) {}
