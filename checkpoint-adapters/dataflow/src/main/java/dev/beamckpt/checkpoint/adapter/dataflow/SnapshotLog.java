package dev.beamckpt.checkpoint.adapter.dataflow;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.log.BatchLog;
import dev.beamckpt.checkpoint.log.VersionedFormat;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code state/dataflow-snapshots/<n>}: the Dataflow snapshots the query's stops took, one small
 * file each, numbered from 0. Dataflow keeps the state; the location keeps which snapshot holds it.
 */
final class SnapshotLog extends BatchLog<SnapshotLog.Recorded> {
  static final String DIR = CheckpointLocation.STATE + "/dataflow-snapshots";

  /** A snapshot of job {@code jobId}, taken when a stop began. */
  record Recorded(String snapshotId, String jobId, String jobName, long createdAtMs, int ttlDays) {}

  SnapshotLog(CheckpointStorage storage) {
    super(storage, DIR);
  }

  void append(Recorded snapshot) throws IOException {
    long n = latestBatchId().map(id -> id + 1).orElse(0L);
    while (!add(n, snapshot)) {
      n++;
    }
  }

  Optional<Recorded> latest() throws IOException {
    Optional<Long> n = latestBatchId();
    return n.isPresent() ? get(n.get()) : Optional.empty();
  }

  @Override
  protected byte[] serialize(Recorded value) {
    return VersionedFormat.write(List.of(value));
  }

  @Override
  protected Recorded deserialize(List<String> lines) throws IOException {
    if (lines.size() != 1) {
      throw new IOException("expected one JSON line after the version, found " + lines.size());
    }
    return VersionedFormat.parse(lines.get(0), Recorded.class);
  }
}
