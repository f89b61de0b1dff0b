package dev.beamckpt.checkpoint.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage contract on local directories, given as a plain path and as a file:// URI. */
class LocalStorageContractTest {
  @TempDir static Path dir;
  private static int locations;

  private static Path newRoot() {
    return dir.resolve("location" + ++locations);
  }

  @Nested
  class PlainPath extends StorageContract {
    private final Path root = newRoot().resolve("location");

    @Override
    protected CheckpointStorage open() {
      return Storages.forLocation(root.toString());
    }

    @Override
    protected String statePathSuffix() {
      return "/location/state";
    }
  }

  @Nested
  class FileUri extends StorageContract {
    private final Path root = newRoot().resolve("location");

    @Override
    protected CheckpointStorage open() {
      return Storages.forLocation(root.toUri().toString());
    }

    @Override
    protected String statePathSuffix() {
      return "/location/state";
    }
  }

  @Test
  void aSchemeWithoutAStorageIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Storages.forLocation("hdfs://nn/ckpt"));
    assertEquals("Checkpoint location hdfs://nn/ckpt: no storage for hdfs:// is available in this build (it has plain"
        + " paths and file://). Use a local directory or file:// URI.", e.getMessage());
  }
}
