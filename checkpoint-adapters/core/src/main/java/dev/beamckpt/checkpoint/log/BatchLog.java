package dev.beamckpt.checkpoint.log;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A directory of small files named by batch id (Spark's HDFSMetadataLog): each written once,
 * atomically, never overwritten; old ones purged by retention.
 */
public abstract class BatchLog<T> {
  private final CheckpointStorage storage;
  private final String dir;

  protected BatchLog(CheckpointStorage storage, String dir) {
    this.storage = storage;
    this.dir = dir;
  }

  protected abstract byte[] serialize(T value);

  protected abstract T deserialize(List<String> lines) throws IOException;

  public String pathOf(long batchId) {
    return dir + "/" + batchId;
  }

  /** Writes the entry for {@code batchId}; false if one already exists (it is left untouched). */
  public boolean add(long batchId, T value) throws IOException {
    return storage.createIfAbsent(pathOf(batchId), serialize(value));
  }

  public Optional<T> get(long batchId) throws IOException {
    String path = pathOf(batchId);
    if (!storage.exists(path)) {
      return Optional.empty();
    }
    byte[] bytes = storage.read(path);
    try {
      return Optional.of(deserialize(VersionedFormat.read(bytes)));
    } catch (IOException | RuntimeException e) {
      throw new CorruptCheckpointFileException(storage.uri(), path, e.getMessage(), e);
    }
  }

  /** Batch ids present, ascending; stray files (editor backups, temp files) are ignored. */
  public TreeSet<Long> batchIds() throws IOException {
    TreeSet<Long> ids = new TreeSet<>();
    for (String name : storage.list(dir)) {
      if (name.matches("\\d+")) {
        ids.add(Long.parseLong(name));
      }
    }
    return ids;
  }

  public Optional<Long> latestBatchId() throws IOException {
    TreeSet<Long> ids = batchIds();
    return ids.isEmpty() ? Optional.empty() : Optional.of(ids.last());
  }

  /** Deletes entries with id below {@code threshold}. */
  public void purge(long threshold) throws IOException {
    for (long id : batchIds().headSet(threshold)) {
      storage.delete(pathOf(id));
    }
  }

  public CheckpointStorage storage() {
    return storage;
  }
}
