package dev.beamckpt.checkpoint.storage.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.LocalStorage.LocationInUseException;
import dev.beamckpt.checkpoint.storage.Storages;
import dev.beamckpt.checkpoint.storage.object.ObjectLease;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What gs:// adds to the storage contract: the lease, and errors that say what to do. Against fake-gcs-server. */
class GcsStorageTest {
  private static GcsEmulator gcs;
  private final String location = gcs.newLocation();

  @BeforeAll
  static void startEmulator() throws Exception {
    gcs = GcsEmulator.start();
  }

  @AfterAll
  static void stopEmulator() throws Exception {
    gcs.stop();
  }

  private CheckpointStorage open() {
    return gcs.open(location, "--locationLeaseSeconds=2");
  }

  @Test
  void aLiveHolderKeepsTheLocationAndTheSecondQueryIsToldWhoHasIt() throws Exception {
    try (CheckpointStorage.Lease held = open().acquireLease("query 'counts', process 1@a")) {
      long started = System.nanoTime();
      LocationInUseException e = assertThrows(LocationInUseException.class, () -> open().acquireLease("process 2@b"));
      assertTrue(e.getMessage().contains("query 'counts', process 1@a"), e.getMessage());
      assertTrue(e.getMessage().contains(location), e.getMessage());
      assertTrue(System.nanoTime() - started < 2_000_000_000L, "refused once the holder renewed, before its timeout");
    }
    open().acquireLease("after a graceful release, at once").close();
  }

  @Test
  void aDeadHoldersLeaseIsTakenOverAndItsWritesAreRefusedNamingTheNewHolder() throws Exception {
    CheckpointStorage first = open();
    ObjectLease dead = (ObjectLease) first.acquireLease("first, killed");
    assertTrue(first.createIfAbsent("offsets/0", bytes("by the first")));
    dead.abandon(); // stops renewing: a SIGKILL
    CheckpointStorage second = open();
    try (CheckpointStorage.Lease taken = second.acquireLease("second")) {
      IOException e = assertThrows(IOException.class, () -> first.createIfAbsent("offsets/1", bytes("late write")));
      assertTrue(e.getMessage().contains("lost its lease to second"), e.getMessage());
      assertEquals(List.of("0"), second.list("offsets"), "the dead holder wrote nothing after losing the lease");
      assertTrue(second.createIfAbsent("offsets/1", bytes("by the second")));
    }
  }

  @Test
  void ofTwoWatchersOfADeadLeaseOneTakesIt() throws Exception {
    ((ObjectLease) open().acquireLease("dead")).abandon();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      List<java.util.concurrent.Future<CheckpointStorage.Lease>> tries =
          List.of(pool.submit(() -> open().acquireLease("watcher A")), pool.submit(() -> open().acquireLease("watcher B")));
      int won = 0;
      for (var t : tries) {
        try {
          t.get().close();
          won++;
        } catch (java.util.concurrent.ExecutionException e) {
          assertTrue(e.getCause() instanceof LocationInUseException, String.valueOf(e.getCause()));
        }
      }
      assertEquals(1, won, "exactly one watcher takes the lease; the other sees it renewed");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aMissingBucketIsNamedBeforeAnythingRuns() {
    CheckpointStorage storage = gcs.open("gs://no-such-bucket/ckpt");
    IOException e = assertThrows(IOException.class, storage::checkWritable);
    assertTrue(e.getMessage().startsWith("Checkpoint location gs://no-such-bucket/ckpt: bucket no-such-bucket does not"
        + " exist"), e.getMessage());
  }

  @Test
  void anUnreachableEndpointIsNamed() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    CheckpointStorage storage = Storages.forLocation("gs://b/ckpt",
        PipelineOptionsFactory.fromArgs("--gcsEndpoint=http://127.0.0.1:" + closed).create());
    IOException e = assertThrows(IOException.class, storage::checkWritable);
    assertTrue(e.getMessage().contains("the storage endpoint http://127.0.0.1:" + closed + " cannot be reached"),
        e.getMessage());
  }

  @Test
  void aLocationWithoutABucketIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gcs.open("gs:///path"));
    assertEquals("Checkpoint location gs:///path names no bucket: write it as gs://bucket/path.", e.getMessage());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
