package dev.beamckpt.checkpoint.storage;

import java.net.URI;
import java.nio.file.Path;

/** Resolves a {@code --checkpointLocation} value to its storage. */
public final class Storages {
  private Storages() {}

  public static CheckpointStorage forLocation(String location) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("--checkpointLocation is empty: give a directory, file:// or gs:// URI.");
    }
    if (location.startsWith("gs://")) {
      throw new IllegalArgumentException(
          "Checkpoint location " + location + ": gs:// storage is not available in this build yet; "
              + "use a local directory or file:// URI.");
    }
    Path path = location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
    return new LocalStorage(location, path);
  }
}
