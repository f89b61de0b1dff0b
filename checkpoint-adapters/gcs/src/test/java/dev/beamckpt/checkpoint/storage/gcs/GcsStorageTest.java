package dev.beamckpt.checkpoint.storage.gcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.Storages;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** gs:// errors that say what to do, before anything runs. Against fake-gcs-server. */
class GcsStorageTest {
  private static GcsEmulator gcs;

  @BeforeAll
  static void startEmulator() throws Exception {
    gcs = GcsEmulator.start();
  }

  @AfterAll
  static void stopEmulator() throws Exception {
    gcs.stop();
  }


  /**
   * What Flink's GCS filesystem needs to reach the same store: the emulator's root URL (the
   * endpoint as Beam's --gcsEndpoint spells it, trimmed) and no credentials, as this client sends.
   */
  @Test
  void flinksFilesystemIsPointedAtTheSameEndpointWithoutCredentials() {
    CheckpointStorage storage = gcs.open(gcs.newLocation());
    Map<String, String> address = storage.runnerAddress();
    assertTrue(address.get("gs.storage.root.url").matches("http://127\\.0\\.0\\.1:\\d+"), address.toString());
    assertEquals("true", address.get("gs.auth.null.enable"));
    assertEquals("false", address.get("gs.auth.service.account.enable"));
    assertEquals(address, storage.runnerSettings(), "Flink's GCS filesystem finds Google credentials itself");
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

  /** Google's endpoint without Application Default Credentials (none on a test machine). */
  @Test
  void missingCredentialsAreNamedWithWhatToDo() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("GOOGLE_APPLICATION_CREDENTIALS") == null
        && System.getenv(GcsClients.EMULATOR_ENV) == null, "this machine has Google credentials or an emulator set");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Storages.forLocation("gs://some-bucket/ckpt"));
    assertTrue(e.getMessage().startsWith("Checkpoint location gs://some-bucket/ckpt: no Google credentials found ("),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("Set GOOGLE_APPLICATION_CREDENTIALS to a service account key, or run `gcloud"
        + " auth application-default login`; for an emulator set STORAGE_EMULATOR_HOST=host:port or --gcsEndpoint."),
        e.getMessage());
  }

  @Test
  void aLocationWithoutABucketIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gcs.open("gs:///path"));
    assertEquals("Checkpoint location gs:///path names no bucket: write it as gs://bucket/path.", e.getMessage());
  }
}
