package dev.beamckpt.checkpoint.adapter.flink;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.runners.flink.FlinkFileSystems;
import java.io.IOException;
import java.net.URI;

/** The location's {@code state/} as Flink in this process reaches it. */
final class FlinkState {
  private FlinkState() {}

  /**
   * The URI of {@code state/} in {@code location}, once Flink's filesystems in this process can
   * reach it: on an object store they get what the storage says they need (endpoint, credentials),
   * unless they were set up already by whoever started this process (a cluster's TaskManager).
   */
  static String uri(CheckpointStorage location) throws IOException {
    String uri = location.runnerUri(CheckpointLocation.STATE);
    if (!"file".equals(URI.create(uri).getScheme())) {
      FlinkFileSystems.initialize(uri, location.runnerSettings());
    }
    return uri;
  }
}
