package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.LocationDescription;
import dev.beamckpt.checkpoint.storage.gcs.FakeGcsServer;
import dev.beamckpt.checkpoint.storage.s3.MotoServer;
import dev.beamckpt.pipelines.WordCount;
import dev.beamckpt.runners.flink.FlinkSessionCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Locations on both emulators (real moto and fake-gcs-server processes) with queries on a real
 * Flink session cluster of two TaskManagers at parallelism 2: the cluster's processes load Flink's
 * S3 and GCS filesystem plugins and are started with the emulators' endpoints, as a user starts
 * one with {@code bin/flink-cluster start -Ds3.endpoint=…}, so the JobManager and both TaskManagers
 * write checkpoints and savepoints into the buckets.
 */
class ObjectStoresOnFlinkClusterTest {
  @TempDir static Path tmp;
  private static MotoServer moto;
  private static FakeGcsServer gcs;
  private static FakeGcsServer otherGcs;
  private static FlinkSessionCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    MotoServer.useTestCredentials();
    moto = MotoServer.start(tmp.resolve("moto"));
    moto.createBucket("your-bucket");
    gcs = FakeGcsServer.start(tmp.resolve("gcs"));
    gcs.createBucket("ckpt");
    otherGcs = FakeGcsServer.start(tmp.resolve("other-gcs"));
    otherGcs.createBucket("ckpt");
    cluster = FlinkSessionCluster.start(tmp.resolve("cluster"), System.getProperty("java.class.path"), 2, Map.of(
        // the query's own S3 client in the TaskManagers takes the credentials as system properties
        "env.java.opts.all", String.join(" ", MotoServer.JVM_CREDENTIALS),
        "s3.endpoint", moto.endpoint(), "s3.path.style.access", "true", "s3.access-key", "test", "s3.secret-key", "test",
        "gs.storage.root.url", gcs.endpoint(), "gs.auth.service.account.enable", "false", "gs.auth.null.enable", "true"));
  }

  /**
   * A failed test's query leaves its job running on the shared cluster, holding the slots the next
   * test's query waits for: its process goes, then its job.
   */
  @AfterEach
  void cancelLeftoverJobs() throws Exception {
    QueryProcess.killLeftovers();
    if (cluster != null) {
      cluster.cancelUnfinishedJobs();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.stop();
    }
    for (AutoCloseable emulator : new AutoCloseable[] {otherGcs, gcs, moto}) {
      if (emulator != null) {
        emulator.close();
      }
    }
  }

  @Test
  void seedScenarioOnTheClusterWithTheLocationOnS3() throws Exception {
    String location = "s3://your-bucket/checkpoints/on_cluster";
    String endpoint = "--s3Endpoint=" + moto.endpoint();
    FlinkClusterTest.seedScenario(cluster, MotoServer.JVM_CREDENTIALS, location, tmp.resolve("s3-out"), "--parallelism=2",
        endpoint);
    assertRestoredFromASavepointInTheBucket(location, endpoint);
  }

  @Test
  void seedScenarioOnTheClusterWithTheLocationOnGcs() throws Exception {
    String location = "gs://ckpt/checkpoints/on_cluster";
    String endpoint = "--gcsEndpoint=" + gcs.endpoint();
    FlinkClusterTest.seedScenario(cluster, List.of(), location, tmp.resolve("gcs-out"), "--parallelism=2", endpoint);
    assertRestoredFromASavepointInTheBucket(location, endpoint);
  }

  private static void assertRestoredFromASavepointInTheBucket(String location, String endpoint) throws Exception {
    String described = LocationDescription.describe(location, PipelineOptionsFactory.fromArgs(endpoint).create());
    assertTrue(described.contains("                       state/savepoints/savepoint-"), described);
    assertTrue(described.contains("runs/1: FlinkRunner") && described.contains("resumed after batch 1 from"
        + " state/savepoints/savepoint-"), described);
  }

  /**
   * A location on a store the cluster's filesystems do not address (another GCS endpoint): refused
   * before submitting, naming what differs and the settings to start the cluster with.
   */
  @Test
  void aLocationTheClusterCannotReachIsRefusedNamingTheSettings() throws Exception {
    QueryProcess query = QueryProcess.start(WordCount.class, "--port=1",
        "--checkpointLocation=gs://ckpt/elsewhere", "--runner=FlinkRunner", "--flinkMaster=" + cluster.master(),
        "--gcsEndpoint=" + otherGcs.endpoint());
    assertNotEquals(0, query.awaitExit(Duration.ofSeconds(90)));
    assertTrue(query.stderr().contains("Checkpoint location gs://ckpt/elsewhere: the Flink cluster at "
        + cluster.master() + " would write the query's state to gs://ckpt/elsewhere/state through its own"
        + " filesystems, which are not set up for this store (gs.storage.root.url is " + gcs.endpoint() + " there, "
        + otherGcs.endpoint() + " here). Start the cluster with these settings: bin/flink-cluster start"
        + " -Dgs.storage.root.url=" + otherGcs.endpoint()), query.stderr());
  }
}
