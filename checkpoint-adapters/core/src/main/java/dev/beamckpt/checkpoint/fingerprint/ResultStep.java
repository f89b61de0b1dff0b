package dev.beamckpt.checkpoint.fingerprint;

/**
 * Marks a query's own result-table and sink steps. They are left out of the fingerprint: their
 * state is ours, not the user's, and whether they keep it in the runner or in the driver depends
 * on the runner, so a location can move between runners (Direct to Flink).
 */
public interface ResultStep {}
