package dev.beamckpt.checkpoint.state;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versioned state of one operator in {@code state/<operator>/0/}, in the manner of Spark's
 * state store: {@code <version>.delta} holds the rows batch {@code version} changed (an empty value:
 * the row was removed), {@code
 * <version>.snapshot} every row at that version, written every few deltas. Version N is
 * written before {@code commits/N}, so a restore only ever loads committed versions; the files of a
 * batch that never committed are replaced when it runs again.
 *
 * <p>The operator writes what each of its bundles changed into {@code _pending/} (it does not know
 * the batch); the driver, once the batch is processed, folds them into the version's delta.
 */
public final class StateStore {
  private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);
  static final String PENDING = "_pending";
  static final String DELTA = ".delta";
  static final String SNAPSHOT = ".snapshot";

  private final CheckpointStorage storage;
  private final int operator;
  private final int snapshotInterval;
  private final Map<ByteBuffer, byte[]> rows;
  private long version;
  private long snapshotVersion;

  private StateStore(CheckpointStorage storage, int operator, int snapshotInterval, Map<ByteBuffer, byte[]> rows,
      long version, long snapshotVersion) {
    this.storage = storage;
    this.operator = operator;
    this.snapshotInterval = snapshotInterval;
    this.rows = rows;
    this.version = version;
    this.snapshotVersion = snapshotVersion;
  }

  /** The directory of an operator's state: Spark's {@code state/<operatorId>/<partitionId>}. */
  public static String dir(int operator) {
    return CheckpointLocation.STATE + "/" + operator + "/0";
  }

  static String pendingDir(int operator) {
    return dir(operator) + "/" + PENDING;
  }

  /** A store with no rows at version 0: a query that starts fresh or rebuilds state from the whole log. */
  public static StateStore empty(CheckpointStorage storage, int operator, int snapshotInterval) {
    return new StateStore(storage, operator, snapshotInterval, new HashMap<>(), 0, 0);
  }

  /**
   * The newest version at most {@code maxVersion} the files can rebuild: the newest readable
   * snapshot at or below it and every delta after it, up to the first one missing or unreadable.
   * An unreadable file is reported through {@code warn}, naming it. Version 0 (no rows) when
   * nothing after the query's start can be rebuilt.
   */
  public static StateStore load(CheckpointStorage storage, int operator, long maxVersion, int snapshotInterval,
      Consumer<String> warn) throws IOException {
    TreeMap<Long, String> deltas = new TreeMap<>();
    TreeMap<Long, String> snapshots = new TreeMap<>();
    files(storage, operator, deltas, snapshots);
    for (Map.Entry<Long, String> snapshot : snapshots.headMap(maxVersion, true).descendingMap().entrySet()) {
      Optional<StateFile.Contents> contents = read(storage, snapshot.getValue(), warn);
      if (contents.isPresent()) {
        return replayDeltas(storage, operator, snapshotInterval, contents.get().rows(), snapshot.getKey(), deltas,
            maxVersion, warn);
      }
    }
    return replayDeltas(storage, operator, snapshotInterval, new HashMap<>(), 0, deltas, maxVersion, warn);
  }

  private static StateStore replayDeltas(CheckpointStorage storage, int operator, int snapshotInterval,
      Map<ByteBuffer, byte[]> rows, long from, TreeMap<Long, String> deltas, long maxVersion, Consumer<String> warn)
      throws IOException {
    long version = from;
    while (version < maxVersion && deltas.containsKey(version + 1)) {
      Optional<StateFile.Contents> delta = read(storage, deltas.get(version + 1), warn);
      if (delta.isEmpty()) {
        break;
      }
      apply(rows, delta.get().rows());
      version++;
    }
    return new StateStore(storage, operator, snapshotInterval, rows, version, from);
  }

  private static Optional<StateFile.Contents> read(CheckpointStorage storage, String path, Consumer<String> warn)
      throws IOException {
    try {
      return Optional.of(StateFile.decode(storage.read(path)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (StateFile.Damaged e) {
      warn.accept("State file " + storage.uri() + "/" + path + " is unreadable: " + e.getMessage()
          + " -- recovering from the version before it and replaying the batches after that from the receive log.");
      return Optional.empty();
    }
  }

  /** Applies changes to rows: an empty value removes the row (a window that closed). */
  static void apply(Map<ByteBuffer, byte[]> rows, Map<ByteBuffer, byte[]> changes) {
    for (Map.Entry<ByteBuffer, byte[]> change : changes.entrySet()) {
      if (change.getValue().length == 0) {
        rows.remove(change.getKey());
      } else {
        rows.put(change.getKey(), change.getValue());
      }
    }
  }

  /** The offsets of the batch that wrote {@code version} (its delta or snapshot), if its file reads. */
  public Optional<OffsetSeq> offsetsOf(long at) throws IOException {
    for (String path : List.of(dir(operator) + "/" + at + DELTA, dir(operator) + "/" + at + SNAPSHOT)) {
      Optional<StateFile.Contents> contents = read(storage, path, w -> {});
      if (contents.isPresent() && contents.get().offsets() != null) {
        return Optional.of(contents.get().offsets());
      }
    }
    return Optional.empty();
  }

  static void files(CheckpointStorage storage, int operator, Map<Long, String> deltas, Map<Long, String> snapshots)
      throws IOException {
    for (String name : storage.list(dir(operator))) {
      Map<Long, String> into = name.endsWith(DELTA) ? deltas : name.endsWith(SNAPSHOT) ? snapshots : null;
      String number = name.substring(0, Math.max(0, name.lastIndexOf('.')));
      if (into != null && number.matches("\\d+")) {
        into.put(Long.parseLong(number), dir(operator) + "/" + name);
      }
    }
  }

  public int operator() {
    return operator;
  }

  public long version() {
    return version;
  }

  /** Every row at the current version: what a restore hands the operator. */
  public Map<ByteBuffer, byte[]> rows() {
    return rows;
  }

  /** Whether the operator's pending changes name every key of {@code keys}. */
  boolean pendingCover(java.util.Set<ByteBuffer> keys) throws IOException {
    java.util.Set<ByteBuffer> missing = new java.util.HashSet<>(keys);
    for (String name : storage.list(pendingDir(operator))) {
      try {
        missing.removeAll(StateFile.decode(storage.read(pendingDir(operator) + "/" + name)).rows().keySet());
      } catch (NoSuchFileException e) {
        // gone meanwhile
      }
      if (missing.isEmpty()) {
        return true;
      }
    }
    return missing.isEmpty();
  }

  /** Forgets the operator's changes of a batch that will not commit (a crashed run's, or a restore's own). */
  public void discardPending() throws IOException {
    for (String name : storage.list(pendingDir(operator))) {
      storage.delete(pendingDir(operator) + "/" + name);
    }
  }

  /**
   * Makes {@code batch} the next version: folds the operator's pending changes into its delta, and
   * writes a snapshot once {@code snapshotInterval} deltas followed the last one, or when the batch
   * does not directly follow the version (a replay from an older version whose offsets were
   * purged covers several batches at once, and no chain of deltas leads to it). Returns the bytes
   * written.
   */
  public long commit(long batch, OffsetSeq offsets) throws IOException {
    if (batch <= version) {
      throw new IllegalStateException("State of operator " + operator + " is at version " + version
          + "; batch " + batch + " cannot follow it");
    }
    boolean skipped = batch != version + 1;
    Map<ByteBuffer, byte[]> changed = new HashMap<>();
    List<String> pending = storage.list(pendingDir(operator)); // sorted: in the order the bundles wrote them
    for (String name : pending) {
      String path = pendingDir(operator) + "/" + name;
      try {
        changed.putAll(StateFile.decode(storage.read(path)).rows());
      } catch (StateFile.Damaged e) {
        throw new IOException("State changes " + storage.uri() + "/" + path + " of batch " + batch + " are unreadable: "
            + e.getMessage() + ". The batch is not committed and runs again on restart.", e);
      }
    }
    byte[] delta = StateFile.encode(StateFile.Kind.DELTA, batch, offsets, changed);
    storage.replace(dir(operator) + "/" + batch + DELTA, delta);
    long written = delta.length;
    apply(rows, changed);
    version = batch;
    if (skipped || version - snapshotVersion >= snapshotInterval) {
      byte[] snapshot = StateFile.encode(StateFile.Kind.SNAPSHOT, batch, offsets, rows);
      storage.replace(dir(operator) + "/" + batch + SNAPSHOT, snapshot);
      snapshotVersion = batch;
      written += snapshot.length;
      LOG.debug("State of operator {}: snapshot of version {} ({} rows, {} bytes)", operator, batch, rows.size(),
          snapshot.length);
    }
    for (String name : pending) {
      storage.delete(pendingDir(operator) + "/" + name);
    }
    return written;
  }

  /**
   * Deletes the files no restore of a version at or after {@code oldestToKeep} needs, keeping one
   * snapshot more than that: the newest snapshot at or below it and the one before, with every
   * delta after that one, so a damaged snapshot still leaves a way to every retained version. A
   * kept snapshot's own delta, a few bytes, stays too: it tells where the version ends without
   * reading the snapshot. Returns the oldest version the remaining files restore (0: from the
   * query's start).
   */
  public long retainFrom(long oldestToKeep) throws IOException {
    TreeMap<Long, String> deltas = new TreeMap<>();
    TreeMap<Long, String> snapshots = new TreeMap<>();
    files(storage, operator, deltas, snapshots);
    Long base = snapshots.floorKey(oldestToKeep);
    Long keep = base == null ? null : snapshots.lowerKey(base);
    if (keep == null) {
      return 0;
    }
    for (String path : snapshots.headMap(keep, false).values()) {
      storage.delete(path);
    }
    for (String path : deltas.headMap(keep, false).values()) {
      storage.delete(path);
    }
    return keep;
  }

  /**
   * The oldest version the files restore and where it ends in the receive logs: the oldest
   * snapshot, read through its own delta. Empty while the deltas still reach back before it (the
   * oldest versions then rebuild from the query's start, and need the whole log).
   */
  static Optional<Map.Entry<Long, OffsetSeq>> oldestRestorable(CheckpointStorage storage, int operator) throws IOException {
    TreeMap<Long, String> deltas = new TreeMap<>();
    TreeMap<Long, String> snapshots = new TreeMap<>();
    files(storage, operator, deltas, snapshots);
    if (snapshots.isEmpty() || !deltas.headMap(snapshots.firstKey(), false).isEmpty()) {
      return Optional.empty();
    }
    long oldest = snapshots.firstKey();
    String path = deltas.getOrDefault(oldest, snapshots.get(oldest));
    Optional<StateFile.Contents> contents = read(storage, path, w -> {});
    return contents.map(c -> Map.entry(oldest, c.offsets()));
  }
}
