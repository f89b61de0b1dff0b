package dev.beamckpt.checkpoint.log;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.List;

/** {@code runs/<n>}: one file per start of the query, numbered from 0. */
public final class RunLog extends BatchLog<RunInfo> {
  public RunLog(CheckpointStorage storage) {
    super(storage, "runs");
  }

  /** Records a new run under the next free number and returns that number. */
  public long append(RunInfo run) throws IOException {
    long n = latestBatchId().map(id -> id + 1).orElse(0L);
    while (!add(n, run)) {
      n++;
    }
    return n;
  }

  @Override
  protected byte[] serialize(RunInfo value) {
    return VersionedFormat.write(List.of(value));
  }

  @Override
  protected RunInfo deserialize(List<String> lines) throws IOException {
    if (lines.size() != 1) {
      throw new IOException("expected one JSON line after the version, found " + lines.size());
    }
    return VersionedFormat.parse(lines.get(0), RunInfo.class);
  }
}
