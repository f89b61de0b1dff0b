package dev.beamckpt.checkpoint.log;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;

/** {@code runs/<n>}: one file per start of the query, numbered from 0 ({@link #append}). */
public final class RunLog extends RecordLog<RunInfo> {
  public RunLog(CheckpointStorage storage) {
    super(storage, "runs", RunInfo.class);
  }
}
