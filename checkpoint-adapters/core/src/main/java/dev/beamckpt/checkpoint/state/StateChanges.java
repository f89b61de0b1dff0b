package dev.beamckpt.checkpoint.state;

import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.Storages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The operator's side of a {@link StateStore}: what one bundle changed, written into the store's
 * {@code _pending/} for the driver to fold into the batch's version. Names sort in the order the
 * bundles finished (a bundle's later change of a key wins), and are unique across instances.
 */
public final class StateChanges {
  private StateChanges() {}

  /**
   * Writes {@code rows} for {@code operator} into the location the options name; {@code cached} is
   * the caller's storage from an earlier call (resolving a location scans the class path), or null.
   * Returns the storage to keep.
   */
  public static CheckpointStorage write(PipelineOptions options, CheckpointStorage cached, int operator,
      Map<ByteBuffer, byte[]> rows) throws IOException {
    CheckpointStorage location = cached != null ? cached
        : Storages.forLocation(options.as(CheckpointOptions.class).getCheckpointLocation(), options);
    write(location, operator, rows);
    return location;
  }

  public static void write(CheckpointStorage location, int operator, Map<ByteBuffer, byte[]> rows) throws IOException {
    // nanoTime with its sign bit flipped orders as an unsigned number: fixed-width hex sorts by it
    String name = String.format("%016x-%s.changes", System.nanoTime() ^ Long.MIN_VALUE, UUID.randomUUID());
    location.createIfAbsent(StateStore.pendingDir(operator) + "/" + name,
        StateFile.encode(StateFile.Kind.CHANGES, -1, null, rows));
  }
}
