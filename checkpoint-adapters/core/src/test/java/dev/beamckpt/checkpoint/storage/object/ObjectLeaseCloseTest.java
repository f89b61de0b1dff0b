package dev.beamckpt.checkpoint.storage.object;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Closing a lease while its renewal is on the wire (a slow store, a loaded machine): the close lets
 * the renewal finish instead of interrupting it, then deletes the lease. Interrupting failed the
 * request, which the renewal logged as a warning during a graceful stop (seen in CI on {@code s3://}).
 */
class ObjectLeaseCloseTest {

  @Test
  void closingWaitsForTheRenewalInFlightAndDeletesTheLease() throws Exception {
    HeldRenewals store = new HeldRenewals();
    ObjectStorage storage = new ObjectStorage("mem://bucket/ckpt", store, "ckpt", Duration.ofMillis(300));
    ObjectLease lease = (ObjectLease) storage.acquireLease("query 'counts'");
    store.holdNextRenewal();
    assertTrue(store.renewalHeld.await(10, TimeUnit.SECONDS), "the lease renews every 100 ms");

    Thread closer = new Thread(() -> {
      try {
        lease.close();
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    closer.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (closer.getState() != Thread.State.TIMED_WAITING && !store.renewalInterrupted.get()) {
      assertTrue(System.nanoTime() < deadline, "close() neither waited nor interrupted the renewal");
      Thread.sleep(1);
    }
    store.release.countDown();
    closer.join(10_000);

    assertFalse(store.renewalInterrupted.get(), "close() interrupted the renewal on the wire");
    assertFalse(closer.isAlive());
    assertNull(store.get(storage.key(ObjectStorage.LEASE)), "the lease is deleted once the renewal finished");
  }

  /** An in-memory object store whose next lease renewal, once asked, waits until released. */
  private static final class HeldRenewals implements ObjectStore {
    private final Map<String, Versioned> objects = new ConcurrentHashMap<>();
    private final AtomicInteger versions = new AtomicInteger();
    private volatile boolean hold;
    final CountDownLatch renewalHeld = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicBoolean renewalInterrupted = new AtomicBoolean();

    void holdNextRenewal() {
      hold = true;
    }

    @Override
    public Versioned get(String key) {
      return objects.get(key);
    }

    @Override
    public Stat stat(String key) {
      Versioned v = objects.get(key);
      return v == null ? null : new Stat(v.data().length, v.version());
    }

    @Override
    public synchronized String createIfAbsent(String key, byte[] data) {
      if (objects.containsKey(key)) {
        return null;
      }
      return store(key, data);
    }

    @Override
    public String replaceIfMatch(String key, byte[] data, String version) throws IOException {
      if (hold) {
        hold = false;
        renewalHeld.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          renewalInterrupted.set(true);
          throw new java.io.InterruptedIOException("renewal interrupted");
        }
      }
      synchronized (this) {
        Versioned current = objects.get(key);
        return current == null || !current.version().equals(version) ? null : store(key, data);
      }
    }

    @Override
    public synchronized void put(String key, byte[] data) {
      store(key, data);
    }

    @Override
    public synchronized void deleteIfMatch(String key, String version) {
      Versioned current = objects.get(key);
      if (current != null && current.version().equals(version)) {
        objects.remove(key);
      }
    }

    private String store(String key, byte[] data) {
      String version = String.valueOf(versions.incrementAndGet());
      objects.put(key, new Versioned(data, version));
      return version;
    }

    @Override
    public List<String> list(String prefix) {
      return objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    }

    @Override
    public InputStream openRead(String key, long position) {
      throw new UnsupportedOperationException("not needed by a lease");
    }

    @Override
    public void checkWritable(String prefix) {}

    @Override
    public String uri(String key) {
      return "mem://bucket/" + key;
    }
  }
}
