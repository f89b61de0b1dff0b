package dev.beamckpt.checkpoint.storage.gcs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.LocalStorage.LocationInUseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One owner per location on an object store, where no lock dies with its process: the object
 * {@code .lease} names its holder and is renewed every third of its timeout, each write
 * conditioned on the generation the holder last wrote (Kubernetes' and Flink's leader leases work
 * the same way).
 *
 * <p>A second query watches the lease. If it is renewed, its holder lives, and the second query
 * fails naming it. If it stays unchanged for a whole timeout on the watcher's own clock, its
 * holder is dead (killed without stopping), and the watcher takes it over with the generation it
 * watched as precondition, so of two watchers one wins. A lease last renewed more than two
 * timeouts ago by its holder's clock is taken over at once. A holder that cannot renew for a
 * whole timeout, or finds another holder's write, has lost the lease: {@link #check} then fails
 * every write through its storage, naming the new holder.
 */
final class GcsLease implements CheckpointStorage.Lease {
  private static final Logger LOG = LoggerFactory.getLogger(GcsLease.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the lease object holds. */
  record Holder(String holder, String owner, long renewedAtMs, long timeoutMs) {}

  private final GcsStorage storage;
  private final BlobId id;
  private final String holderId = UUID.randomUUID().toString();
  private final String owner;
  private final Duration timeout;
  private final ScheduledExecutorService renewer;
  private volatile long generation;
  private volatile long renewedNanos;
  private volatile String lostTo;

  private GcsLease(GcsStorage storage, String owner, Duration timeout) {
    this.storage = storage;
    this.id = storage.blobId(GcsStorage.LEASE);
    this.owner = owner;
    this.timeout = timeout;
    this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "checkpoint-lease " + storage.uri());
      t.setDaemon(true);
      return t;
    });
  }

  static GcsLease acquire(GcsStorage storage, String owner, Duration timeout) throws IOException {
    GcsLease lease = new GcsLease(storage, owner, timeout);
    try {
      lease.take();
    } catch (IOException | RuntimeException e) {
      lease.renewer.shutdownNow();
      throw e;
    }
    long every = Math.max(1, timeout.toMillis() / 3);
    lease.renewer.scheduleWithFixedDelay(lease::renew, every, every, TimeUnit.MILLISECONDS);
    return lease;
  }

  private void take() throws IOException {
    long watchedGeneration = -1;
    long watchedSince = 0;
    while (true) {
      Blob blob = get();
      if (blob == null) {
        if (write(0)) {
          return;
        }
        continue;
      }
      Holder current = parse(blob);
      boolean dead = System.currentTimeMillis() - current.renewedAtMs() > 2 * current.timeoutMs();
      if (!dead) {
        if (watchedGeneration == -1) {
          watchedGeneration = blob.getGeneration();
          watchedSince = System.nanoTime();
          LOG.warn("Checkpoint location {} is leased to {} (renewed {} ms ago). Waiting up to {} s: if that query lives"
              + " it renews the lease and this one stops; if it was killed, this one takes over.", storage.uri(),
              current.owner(), System.currentTimeMillis() - current.renewedAtMs(), current.timeoutMs() / 1000);
        } else if (blob.getGeneration() != watchedGeneration) {
          throw new LocationInUseException(storage.uri(), current.owner() + ", which renewed its lease just now");
        }
        dead = System.nanoTime() - watchedSince >= TimeUnit.MILLISECONDS.toNanos(current.timeoutMs());
      }
      if (dead) {
        if (write(blob.getGeneration())) {
          LOG.warn("Checkpoint location {}: took over the lease of {}, which stopped renewing it (the query was killed"
              + " or lost its connection)", storage.uri(), current.owner());
          return;
        }
        watchedGeneration = -1; // someone else wrote it: watch the new holder
        continue;
      }
      sleep(Math.min(500, current.timeoutMs() / 6 + 1));
    }
  }

  /** The lease as {@code describe} shows it: who holds it and whether they still renew it. */
  static java.util.Optional<String> describeHolder(GcsStorage storage) throws IOException {
    GcsLease reader = new GcsLease(storage, "checkpoint describe", Duration.ZERO);
    try {
      Blob blob = reader.get();
      if (blob == null) {
        return java.util.Optional.empty();
      }
      Holder h = reader.parse(blob);
      long age = System.currentTimeMillis() - h.renewedAtMs();
      return java.util.Optional.of(h.owner() + " holds the lease, renewed " + age / 1000 + " s ago"
          + (age <= h.timeoutMs() ? "" : "; it lapsed (the query was killed): the next query takes over within "
              + h.timeoutMs() / 1000 + " s"));
    } finally {
      reader.renewer.shutdownNow();
    }
  }

  private synchronized void renew() {
    if (lostTo != null) {
      return;
    }
    try {
      if (!write(generation)) {
        Blob blob = get();
        lostTo = blob == null ? "nobody (the lease object was deleted)" : parse(blob).owner();
        LOG.error("Checkpoint location {}: this query lost its lease to {}; it writes nothing more there",
            storage.uri(), lostTo);
      }
    } catch (IOException | RuntimeException e) {
      long stale = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - renewedNanos);
      LOG.warn("Checkpoint location {}: renewing the lease failed ({} ms since the last renewal; past {} ms, writes to"
          + " the location wait until it is renewed): {}", storage.uri(), stale, timeout.toMillis(), e.getMessage());
    }
  }

  /**
   * Writes this holder's record if the object is still at {@code expected} (0: absent). A 412
   * whose object holds our own record is a retried write whose reply was lost: it counts.
   */
  private boolean write(long expected) throws IOException {
    Holder me = new Holder(holderId, owner, System.currentTimeMillis(), timeout.toMillis());
    byte[] data = JSON.writeValueAsBytes(me);
    Storage.BlobTargetOption condition = expected == 0
        ? Storage.BlobTargetOption.doesNotExist() : Storage.BlobTargetOption.generationMatch(expected);
    long started = System.nanoTime();
    try {
      generation = storage.client().create(BlobInfo.newBuilder(id).build(), data, condition).getGeneration();
    } catch (StorageException e) {
      if (e.getCode() != 412) {
        throw storage.errors().failure("write", GcsStorage.LEASE, e);
      }
      Blob blob = get();
      if (blob == null || !holderId.equals(parse(blob).holder())) {
        return false;
      }
      generation = blob.getGeneration();
    }
    renewedNanos = started;
    return true;
  }

  private Blob get() throws IOException {
    try {
      return storage.client().get(id);
    } catch (StorageException e) {
      throw storage.errors().failure("read", GcsStorage.LEASE, e);
    }
  }

  /** A lease object that cannot be read as one is treated as a dead holder's. */
  private Holder parse(Blob blob) {
    try {
      return JSON.readValue(blob.getContent(), Holder.class);
    } catch (IOException | RuntimeException e) {
      return new Holder("", "an unreadable lease (" + new String(blob.getContent(), StandardCharsets.UTF_8).strip()
          + ")", 0, timeout.toMillis());
    }
  }

  /** Fails if another query may own the location now: it took the lease, or ours ran out unrenewed. */
  synchronized void check() throws IOException {
    if (lostTo == null && System.nanoTime() - renewedNanos > timeout.toNanos()) {
      // Unrenewed for a whole timeout (the store was away): another query may have taken it. Renew
      // now; a write at our own generation proves nobody did, and the query carries on.
      renew();
      if (lostTo == null && System.nanoTime() - renewedNanos > timeout.toNanos()) {
        throw new IOException("Checkpoint location " + storage.uri() + ": this query's lease could not be renewed for "
            + timeout.toSeconds() + " s (the storage is unreachable), so another query may own the location now;"
            + " it writes nothing there until the lease is renewed.");
      }
    }
    String to = lostTo;
    if (to != null) {
      throw new IOException("Checkpoint location " + storage.uri() + ": this query lost its lease to " + to
          + ", so it writes nothing more there and stops. Only one query may run on a location; restart this one"
          + " after the other has stopped, or give it a different --checkpointLocation.");
    }
  }

  /** Stops renewing without releasing: what a killed process leaves behind (for tests). */
  void abandon() {
    renewer.shutdownNow();
  }

  /** Stops renewing and deletes the lease, so the next query starts without waiting for it to expire. */
  @Override
  public void close() throws IOException {
    renewer.shutdownNow();
    if (lostTo != null) {
      return;
    }
    try {
      storage.client().delete(id, Storage.BlobSourceOption.generationMatch(generation));
    } catch (StorageException e) {
      if (e.getCode() != 404 && e.getCode() != 412) {
        throw storage.errors().failure("delete", GcsStorage.LEASE, e);
      }
    }
  }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for the lease");
    }
  }
}
