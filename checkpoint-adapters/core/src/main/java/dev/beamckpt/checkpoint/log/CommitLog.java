package dev.beamckpt.checkpoint.log;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.List;

/** {@code commits/<batch>}: a version line, one JSON line, the checksum. */
public final class CommitLog extends BatchLog<CommitMetadata> {
  public CommitLog(CheckpointStorage storage) {
    super(storage, "commits");
  }

  @Override
  protected byte[] serialize(CommitMetadata value) {
    return VersionedFormat.write(List.of(value));
  }

  @Override
  protected CommitMetadata deserialize(List<String> lines) throws IOException {
    if (lines.size() != 1) {
      throw new IOException("expected one JSON line after the version, found " + lines.size());
    }
    return VersionedFormat.parse(lines.get(0), CommitMetadata.class);
  }
}
