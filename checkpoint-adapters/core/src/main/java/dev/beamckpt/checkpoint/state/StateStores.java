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
}
