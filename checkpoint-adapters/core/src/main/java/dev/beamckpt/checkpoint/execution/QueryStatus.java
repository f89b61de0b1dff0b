package dev.beamckpt.checkpoint.execution;

/** What a query is doing now (Spark's StreamingQueryStatus). */
public record QueryStatus(String message, boolean isDataAvailable, boolean isTriggerActive) {}
