package dev.beamckpt.checkpoint.log;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** A {@link BatchLog} whose files each hold one JSON record: a version line, the record, the checksum. */
public class RecordLog<T> extends BatchLog<T> {
  private final Class<T> type;

  public RecordLog(CheckpointStorage storage, String dir, Class<T> type) {
    super(storage, dir);
    this.type = type;
  }

  /** Records {@code value} under the next free number (from 0) and returns that number. */
  public long append(T value) throws IOException {
    long n = latestBatchId().map(id -> id + 1).orElse(0L);
    while (!add(n, value)) {
      n++;
    }
    return n;
  }

  /** The record with the highest number, if any. */
  public Optional<T> latest() throws IOException {
    Optional<Long> n = latestBatchId();
    return n.isPresent() ? get(n.get()) : Optional.empty();
  }

  @Override
  protected final byte[] serialize(T value) {
    return VersionedFormat.write(List.of(value));
  }

  @Override
  protected final T deserialize(List<String> lines) throws IOException {
    if (lines.size() != 1) {
      throw new IOException("expected one JSON line after the version, found " + lines.size());
    }
    return VersionedFormat.parse(lines.get(0), type);
  }
}
