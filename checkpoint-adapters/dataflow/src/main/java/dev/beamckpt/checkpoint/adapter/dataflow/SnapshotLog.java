package dev.beamckpt.checkpoint.adapter.dataflow;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.log.RecordLog;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;

/**
 * {@code state/dataflow-snapshots/<n>}: the Dataflow snapshots the query's stops took, one small
 * file each, numbered from 0. Dataflow keeps the state; the location keeps which snapshot holds it.
 */
final class SnapshotLog extends RecordLog<SnapshotLog.Recorded> {
  static final String DIR = CheckpointLocation.STATE + "/dataflow-snapshots";

  /** A snapshot of job {@code jobId}, taken when a stop began. */
  record Recorded(String snapshotId, String jobId, String jobName, long createdAtMs, int ttlDays) {}

  SnapshotLog(CheckpointStorage storage) {
    super(storage, DIR, Recorded.class);
  }
}
