package dev.beamckpt.checkpoint.storage.object;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * conditioned on the version the holder last wrote (GCS generation, S3 ETag; Kubernetes' and
 * Flink's leader leases work the same way).
 *
 * <p>A second query watches the lease. If it is renewed, its holder lives, and the second query
 * fails naming it. If it stays unchanged for a whole timeout on the watcher's own clock, its
 * holder is dead (killed without stopping), and the watcher takes it over with the version it
 * watched as precondition, so of two watchers one wins. A lease last renewed more than two
 * timeouts ago by its holder's clock is taken over at once. A holder that cannot renew for a
 * whole timeout, or finds another holder's write, has lost the lease: {@link #check} then fails
 * every write through its storage, naming the new holder.
 */
public final class ObjectLease implements CheckpointStorage.Lease {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectLease.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long a closing lease waits for a renewal in flight. */
  private static final Duration RENEWAL_FINISH_WAIT = Duration.ofSeconds(5);

  /** What the lease object holds. */
  record Holder(String holder, String owner, long renewedAtMs, long timeoutMs) {}

  private final ObjectStorage storage;
  private final String key;
  private final String holderId = UUID.randomUUID().toString();
  private final String owner;
  private final Duration timeout;
  private final ScheduledExecutorService renewer;
  private volatile String version;
  private volatile long renewedNanos;
  private volatile String lostTo;

  private ObjectLease(ObjectStorage storage, String owner, Duration timeout) {
    this.storage = storage;
    this.key = storage.key(ObjectStorage.LEASE);
    this.owner = owner;
    this.timeout = timeout;
    this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "checkpoint-lease " + storage.uri());
      t.setDaemon(true);
      return t;
    });
  }

  static ObjectLease acquire(ObjectStorage storage, String owner, Duration timeout) throws IOException {
    ObjectLease lease = new ObjectLease(storage, owner, timeout);
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
    String watchedVersion = null;
    long watchedSince = 0;
    while (true) {
      ObjectStore.Versioned lease = storage.store().get(key);
      if (lease == null) {
        if (write(null)) {
          return;
        }
        continue;
      }
      Holder current = parse(lease);
      boolean dead = System.currentTimeMillis() - current.renewedAtMs() > 2 * current.timeoutMs();
      if (!dead) {
        if (watchedVersion == null) {
          watchedVersion = lease.version();
          watchedSince = System.nanoTime();
          LOG.warn("Checkpoint location {} is leased to {} (renewed {} ms ago). Waiting up to {} s: if that query lives"
              + " it renews the lease and this one stops; if it was killed, this one takes over.", storage.uri(),
              current.owner(), System.currentTimeMillis() - current.renewedAtMs(), current.timeoutMs() / 1000);
        } else if (!lease.version().equals(watchedVersion)) {
          throw new LocationInUseException(storage.uri(), current.owner() + ", which renewed its lease just now");
        }
        dead = System.nanoTime() - watchedSince >= TimeUnit.MILLISECONDS.toNanos(current.timeoutMs());
      }
      if (dead) {
        if (write(lease.version())) {
          LOG.warn("Checkpoint location {}: took over the lease of {}, which stopped renewing it (the query was killed"
              + " or lost its connection)", storage.uri(), current.owner());
          return;
        }
        watchedVersion = null; // someone else wrote it: watch the new holder
        continue;
      }
      sleep(Math.min(500, current.timeoutMs() / 6 + 1));
    }
  }

  /** The lease as {@code describe} shows it: who holds it and whether they still renew it. */
  static java.util.Optional<String> describeHolder(ObjectStorage storage) throws IOException {
    ObjectLease reader = new ObjectLease(storage, "checkpoint describe", Duration.ZERO);
    try {
      ObjectStore.Versioned lease = storage.store().get(reader.key);
      if (lease == null) {
        return java.util.Optional.empty();
      }
      Holder h = reader.parse(lease);
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
      if (!write(version)) {
        ObjectStore.Versioned lease = storage.store().get(key);
        lostTo = lease == null ? "nobody (the lease object was deleted)" : parse(lease).owner();
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
   * Writes this holder's record if the object is still at {@code expected} (null: absent). A
   * refused write whose object holds our own record is a retried write whose reply was lost: it
   * counts.
   */
  private boolean write(String expected) throws IOException {
    byte[] data = JSON.writeValueAsBytes(new Holder(holderId, owner, System.currentTimeMillis(), timeout.toMillis()));
    long started = System.nanoTime();
    String written = expected == null
        ? storage.store().createIfAbsent(key, data) : storage.store().replaceIfMatch(key, data, expected);
    if (written == null) {
      ObjectStore.Versioned lease = storage.store().get(key);
      if (lease == null || !holderId.equals(parse(lease).holder())) {
        return false;
      }
      written = lease.version();
    }
    version = written;
    renewedNanos = started;
    return true;
  }

  /** A lease object that cannot be read as one is treated as a dead holder's. */
  private Holder parse(ObjectStore.Versioned lease) {
    try {
      return JSON.readValue(lease.data(), Holder.class);
    } catch (IOException | RuntimeException e) {
      return new Holder("", "an unreadable lease (" + new String(lease.data(), StandardCharsets.UTF_8).strip()
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
  public void abandon() {
    renewer.shutdownNow();
  }

  /** Stops renewing and deletes the lease, so the next query starts without waiting for it to expire. */
  @Override
  public void close() throws IOException {
    stopRenewing();
    if (lostTo == null) {
      storage.store().deleteIfMatch(key, version);
    }
  }

  /**
   * Lets a renewal in flight finish before the lease is deleted: interrupting it failed its request
   * with a warning at every other stop under load, and a write that landed while its reply was lost
   * would leave {@code version} behind the object, so the delete would miss and the next query wait
   * for the lease to lapse.
   */
  private void stopRenewing() {
    renewer.shutdown();
    try {
      if (!renewer.awaitTermination(RENEWAL_FINISH_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        renewer.shutdownNow();
      }
    } catch (InterruptedException e) {
      renewer.shutdownNow();
      Thread.currentThread().interrupt();
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
