package dev.beamckpt.checkpoint.log;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;

/** {@code commits/<batch>}: a version line, one JSON line, the checksum. */
public final class CommitLog extends RecordLog<CommitMetadata> {
  public CommitLog(CheckpointStorage storage) {
    super(storage, "commits", CommitMetadata.class);
  }
}
