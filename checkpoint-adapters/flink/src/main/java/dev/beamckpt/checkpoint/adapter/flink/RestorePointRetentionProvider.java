package dev.beamckpt.checkpoint.adapter.flink;

import dev.beamckpt.checkpoint.source.LogRetention;
import dev.beamckpt.checkpoint.source.LogRetentionProvider;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;

/** Offers {@link RestorePointRetention} to sources, in whatever JVM reads them. */
public final class RestorePointRetentionProvider implements LogRetentionProvider {
  static final String NAME = "flink-restore-points";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public LogRetention create(CheckpointStorage location, String sourceId) throws IOException {
    return new RestorePointRetention(FlinkState.uri(location));
  }
}
