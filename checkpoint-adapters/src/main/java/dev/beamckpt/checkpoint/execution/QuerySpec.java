package dev.beamckpt.checkpoint.execution;

import org.apache.beam.sdk.Pipeline;

/**
 * Everything an adapter needs to run a query: the pipeline (with its sink applied), how to name
 * it, where to checkpoint (null: nowhere), when to trigger, and the sink to deliver batches to.
 */
public record QuerySpec(
    Pipeline pipeline, String name, String checkpointLocation, int minBatchesToRetain, Trigger trigger, BatchSink sink) {}
