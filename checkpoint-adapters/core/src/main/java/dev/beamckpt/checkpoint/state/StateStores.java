package dev.beamckpt.checkpoint.state;

import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The state stores of a query's operators, kept at one version: a restore loads every operator at
 * the newest version all of them can rebuild, and each batch commits them together.
 */
public final class StateStores {
  /** Spark's spark.sql.streaming.stateStore.minDeltasForSnapshot. */
  public static final int SNAPSHOT_INTERVAL = 10;

  private final List<StateStore> stores;
  private final long version;
  private final Optional<OffsetSeq> offsets;

  private StateStores(List<StateStore> stores, long version, Optional<OffsetSeq> offsets) {
    this.stores = stores;
    this.version = version;
    this.offsets = offsets;
  }

  /**
   * Every operator at the newest common version at most {@code lastCommitted}, with where that
   * version ends in the receive logs (from its state files, which outlive the offsets log).
   * Version 0: no version after the query's start can be rebuilt, so the whole log is replayed.
   */
  public static StateStores load(CheckpointStorage storage, int operators, long lastCommitted, Consumer<String> warn)
      throws IOException {
    long version = lastCommitted;
    List<StateStore> stores = new ArrayList<>();
    while (true) {
      stores.clear();
      long common = version;
      for (int op = 0; op < operators; op++) {
        StateStore store = StateStore.load(storage, op, version, SNAPSHOT_INTERVAL, warn);
        stores.add(store);
        common = Math.min(common, store.version());
      }
      Optional<OffsetSeq> offsets = Optional.empty();
      if (common > 0 && !stores.isEmpty()) {
        offsets = stores.get(0).offsetsOf(common);
        if (offsets.isEmpty()) {
          common--; // its file turned unreadable since it loaded: one version further back
        }
      }
      if (common == version) {
        return new StateStores(stores, version, offsets);
      }
      version = common;
    }
  }

  public static StateStores fresh(CheckpointStorage storage, int operators) {
    List<StateStore> stores = new ArrayList<>();
    for (int op = 0; op < operators; op++) {
      stores.add(StateStore.empty(storage, op, SNAPSHOT_INTERVAL));
    }
    return new StateStores(stores, 0, Optional.empty());
  }

  /**
   * The version loaded: the last batch whose state the stores hold (with no operators, the last
   * committed batch: there is no state to rebuild).
   */
  public long version() {
    return version;
  }

  /** How many operators keep state here (0: the query keeps none). */
  public int operators() {
    return stores.size();
  }

  /** Where the loaded version ends in the receive logs, when known from the state files. */
  public Optional<OffsetSeq> offsets() {
    return offsets;
  }

  /** Each operator's rows, by operator number. */
  public Map<Integer, Map<ByteBuffer, byte[]>> rows() {
    Map<Integer, Map<ByteBuffer, byte[]>> rows = new HashMap<>();
    stores.forEach(s -> rows.put(s.operator(), s.rows()));
    return rows;
  }

  public long rowCount() {
    return stores.stream().mapToLong(s -> s.rows().size()).sum();
  }

  /**
   * Whether the operators have taken in every restored row: each restored key shows in their
   * pending changes (merged into empty state, every row is a change). The rows reach them as data
   * of their own, which a runner may process after the first batch's input.
   */
  public boolean restoredRowsTakenIn() throws IOException {
    for (StateStore store : stores) {
      if (!store.pendingCover(store.rows().keySet())) {
        return false;
      }
    }
    return true;
  }

  public void discardPending() throws IOException {
    for (StateStore store : stores) {
      store.discardPending();
    }
  }

  /** Commits every store at {@code batch}; returns the bytes written. */
  public long commit(long batch, OffsetSeq seq) throws IOException {
    long written = 0;
    for (StateStore store : stores) {
      written += store.commit(batch, seq);
    }
    return written;
  }

  /** Keeps what restoring any of the last {@code minBatchesToRetain} versions needs. */
  public void retain(long latest, int minBatchesToRetain) throws IOException {
    long oldest = latest - minBatchesToRetain + 1;
    if (oldest > 0) {
      for (StateStore store : stores) {
        store.retainFrom(oldest);
      }
    }
  }

  /**
   * Where in source {@code sourceId}'s receive log the oldest restorable version of every operator
   * ends: the log below it is never read again. Empty when some operator has no snapshot yet.
   */
  public static java.util.OptionalLong oldestRestorableEnd(CheckpointStorage storage, String sourceId)
      throws IOException {
    int operators = operatorsIn(storage);
    long end = Long.MAX_VALUE;
    for (int op = 0; op < operators; op++) {
      Optional<Map.Entry<Long, OffsetSeq>> oldest = StateStore.oldestRestorable(storage, op);
      if (oldest.isEmpty()) {
        return java.util.OptionalLong.empty();
      }
      end = Math.min(end, oldest.get().getValue().endOffset(sourceId));
    }
    return operators == 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(end);
  }

  /** How many operators keep state versions in the location: the numbered directories under state/. */
  public static int operatorsIn(CheckpointStorage storage) throws IOException {
    int n = 0;
    while (storage.list(StateStore.dir(n)).stream().anyMatch(f -> f.endsWith(StateStore.DELTA)
        || f.endsWith(StateStore.SNAPSHOT))) {
      n++;
    }
    return n;
  }

  /** One line per operator: its snapshots and deltas, with their sizes. */
  public static List<String> describe(CheckpointStorage storage, int operators) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int op = 0; op < operators; op++) {
      java.util.TreeMap<Long, String> deltas = new java.util.TreeMap<>();
      java.util.TreeMap<Long, String> snapshots = new java.util.TreeMap<>();
      StateStore.files(storage, op, deltas, snapshots);
      lines.add(StateStore.dir(op) + ": " + (snapshots.isEmpty() ? "no snapshot"
          : "snapshots " + range(snapshots.keySet()) + " (" + size(storage, snapshots.values()) + ", newest "
              + size(storage, List.of(snapshots.lastEntry().getValue())) + ")")
          + "; " + (deltas.isEmpty() ? "no deltas" : "deltas " + deltas.firstKey() + ".." + deltas.lastKey() + " ("
              + size(storage, deltas.values()) + ")"));
    }
    return lines;
  }

  private static String range(java.util.Collection<Long> versions) {
    List<String> names = versions.stream().map(String::valueOf).toList();
    return names.size() <= 4 ? String.join(", ", names)
        : names.get(0) + ", " + names.get(1) + ", ..., " + names.get(names.size() - 1);
  }

  private static String size(CheckpointStorage storage, java.util.Collection<String> paths) throws IOException {
    long bytes = 0;
    for (String path : paths) {
      bytes += storage.length(path);
    }
    return dev.beamckpt.checkpoint.LocationDescription.human(bytes);
  }
}
