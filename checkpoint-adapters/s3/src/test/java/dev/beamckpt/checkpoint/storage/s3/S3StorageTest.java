package dev.beamckpt.checkpoint.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.Storages;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** s3:// errors that say what to do, before anything runs. Against a real moto server. */
class S3StorageTest {
  private static MotoServer moto;

  @BeforeAll
  static void startEmulator() throws Exception {
    MotoServer.useTestCredentials();
    moto = MotoServer.start(Files.createTempDirectory("moto"));
    moto.createBucket("checkpoints");
  }

  @AfterAll
  static void stopEmulator() throws Exception {
    moto.close();
  }

  private static CheckpointStorage open(String location, String endpoint) {
    return Storages.forLocation(location, PipelineOptionsFactory.fromArgs("--s3Endpoint=" + endpoint).create());
  }

  @Test
  void aMissingBucketIsNamedBeforeAnythingRuns() {
    IOException e = assertThrows(IOException.class, open("s3://no-such-bucket/ckpt", moto.endpoint())::checkWritable);
    assertTrue(e.getMessage().startsWith("Checkpoint location s3://no-such-bucket/ckpt: bucket no-such-bucket does not"
        + " exist"), e.getMessage());
  }

  @Test
  void anUnreachableEndpointIsNamed() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    IOException e = assertThrows(IOException.class, open("s3://b/ckpt", "http://127.0.0.1:" + closed)::checkWritable);
    assertTrue(e.getMessage().contains("the storage endpoint http://127.0.0.1:" + closed + " cannot be reached"),
        e.getMessage());
  }

  /** A store that checks access keys (moto with authentication on) refuses ours: named, with what to do. */
  @Test
  void refusedCredentialsAreNamedWithWhatToDo() throws Exception {
    try (MotoServer checking = MotoServer.start(Files.createTempDirectory("moto-auth"), true)) {
      IOException e = assertThrows(IOException.class, open("s3://checkpoints/ckpt", checking.endpoint())::checkWritable);
      assertTrue(e.getMessage().startsWith("Checkpoint location s3://checkpoints/ckpt: cannot reach the location: the"
          + " service refused the credentials (InvalidAccessKeyId). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,"),
          e.getMessage());
    }
  }

  @Test
  void s3aIsTheSameLocationAsS3() throws Exception {
    CheckpointStorage written = open("s3a://checkpoints/same", moto.endpoint());
    assertTrue(written.createIfAbsent("metadata", new byte[] {1}));
    assertTrue(open("s3://checkpoints/same", moto.endpoint()).exists("metadata"));
    assertEquals("s3://checkpoints/same/state", written.runnerUri("state"));
  }

  /**
   * What Flink's S3 filesystem needs for the same store, in Hadoop S3A's keys: the address (which
   * a cluster's configuration must share) and, beside it, the credentials this client found.
   */
  @Test
  void flinksFilesystemGetsTheSameEndpointAndTheCredentialsFound() {
    CheckpointStorage storage = open("s3://checkpoints/flink", moto.endpoint());
    assertEquals(Map.of("fs.s3a.endpoint", moto.endpoint(), "fs.s3a.path.style.access", "true"), storage.runnerAddress());
    Map<String, String> settings = storage.runnerSettings();
    assertTrue(settings.entrySet().containsAll(storage.runnerAddress().entrySet()), settings.keySet().toString());
    assertEquals("test", settings.get("fs.s3a.access.key"));
    assertEquals("test", settings.get("fs.s3a.secret.key"));
  }

  @Test
  void aLocationWithoutABucketIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> open("s3:///path", moto.endpoint()));
    assertEquals("Checkpoint location s3:///path names no bucket: write it as s3://bucket/path.", e.getMessage());
  }
}
